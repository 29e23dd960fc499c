/**
 * WebAssembly SIMD (128-bit) kernels for batched float32, float16 and int8 dot products, compiled from
 * `simd-dot.wat` (see its header for the rebuild command). Plain wasm, no imports: it runs in
 * Node ≥ 16 and every current browser; where SIMD is missing the JS kernel is used instead.
 */
import { ClipkitError } from "../errors.js";

const WASM_BASE64 =
  "AGFzbQEAAAABHQRgAXsBfWAGf39/f39/AGAFf39/f38AYAJ/fwF/AwgHAAEBAAECAwUDAQABBzoFBm1lbW9yeQIABnNjb3JlcwABCXNjb3Jlc19pOAACCnNjb3Jlc19mMTYABAtzdHJlYW1fcmVhZAAGCsAaBxkAIAD9HwAgAP0fAZIgAP0fAiAA/R8DkpIL1gsCDH8LeyAEQQJ0IQYgA0ECdCERQQAhBwJAA0AgB0EEaiABSg0BIAAgByAGbGohCiAKIAZqIQsgCyAGaiEMIAwgBmohDUEAIQgCQANAIAhBAmogA0oNASACIAggBmxqIQ4gDiAGaiEP/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRX9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGUEAIQkCQANAIAkgBk4NASAOIAlq/QAEACEaIA8gCWr9AAQAIRsgCiAJav0ABAAhHCASIBwgGv3mAf3kASESIBMgHCAb/eYB/eQBIRMgCyAJav0ABAAhHCAUIBwgGv3mAf3kASEUIBUgHCAb/eYB/eQBIRUgDCAJav0ABAAhHCAWIBwgGv3mAf3kASEWIBcgHCAb/eYB/eQBIRcgDSAJav0ABAAhHCAYIBwgGv3mAf3kASEYIBkgHCAb/eYB/eQBIRkgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIRAgECASEAA4AgAgECATEAA4AgQgECARaiEQIBAgFBAAOAIAIBAgFRAAOAIEIBAgEWohECAQIBYQADgCACAQIBcQADgCBCAQIBFqIRAgECAYEAA4AgAgECAZEAA4AgQgCEECaiEIDAALCyAIIANIBEAgAiAIIAZsaiEO/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRVBACEJAkADQCAJIAZODQEgDiAJav0ABAAhGiAKIAlq/QAEACEcIBIgHCAa/eYB/eQBIRIgCyAJav0ABAAhHCATIBwgGv3mAf3kASETIAwgCWr9AAQAIRwgFCAcIBr95gH95AEhFCANIAlq/QAEACEcIBUgHCAa/eYB/eQBIRUgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIRAgECASEAA4AgAgECARaiEQIBAgExAAOAIAIBAgEWohECAQIBQQADgCACAQIBFqIRAgECAVEAA4AgALIAdBBGohBwwACwsCQANAIAcgAU4NASAAIAcgBmxqIQogBSAHIANsQQJ0aiEQIAIhDkEAIQgCQANAIAggA04NAf0MAAAAAAAAAAAAAAAAAAAAACES/QwAAAAAAAAAAAAAAAAAAAAAIRP9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRlBACEJAkADQCAJQYABaiAGSg0BIA4gCWohDyAKIAlqIQsgEiAL/QAEACAP/QAEAP3mAf3kASESIBMgC/0ABBAgD/0ABBD95gH95AEhEyAUIAv9AAQgIA/9AAQg/eYB/eQBIRQgFSAL/QAEMCAP/QAEMP3mAf3kASEVIBYgC/0ABEAgD/0ABED95gH95AEhFiAXIAv9AARQIA/9AARQ/eYB/eQBIRcgGCAL/QAEYCAP/QAEYP3mAf3kASEYIBkgC/0ABHAgD/0ABHD95gH95AEhGSAJQYABaiEJDAALCwJAA0AgCSAGTg0BIBIgCiAJav0ABAAgDiAJav0ABAD95gH95AEhEiAJQRBqIQkMAAsLIBIgE/3kASAUIBX95AH95AEgFiAX/eQBIBggGf3kAf3kAf3kASESIBAgEv0fACAS/R8BkiAS/R8CIBL9HwOSkjgCACAQQQRqIRAgDiAGaiEOIAhBAWohCAwACwsgB0EBaiEHDAALCwuwBAINfwZ7IARBAXQhBiADQQJ0IRFBACEHAkADQCAHIAFODQEgASAHayESIAAgByAGbGohCyASQQFGBEAgCyACIAMgBCAFIAcgA2xBAnRqEAUMAgsgCyAGaiALIBJBAUobIQwgDCAGaiAMIBJBAkobIQ0gDSAGaiANIBJBA0obIQ5BACEIAkADQCAIIANODQEgAiAIIARsaiEP/QwAAAAAAAAAAAAAAAAAAAAAIRP9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRZBACEJQQAhCgJAA0AgCSAETg0BIA8gCWr9AAQAIRcgF/2IASEYIBf9hwEhFyATIAsgCmr9AAQAIBf9ugEgCyAKav0ABBAgGP26Af2uAf2uASETIBQgDCAKav0ABAAgF/26ASAMIApq/QAEECAY/boB/a4B/a4BIRQgFSANIApq/QAEACAX/boBIA0gCmr9AAQQIBj9ugH9rgH9rgEhFSAWIA4gCmr9AAQAIBf9ugEgDiAKav0ABBAgGP26Af2uAf2uASEWIAlBEGohCSAKQSBqIQoMAAsLIAUgByADbCAIakECdGohECAQIBMQAzgCACASQQFKBEAgECARaiAUEAM4AgALIBJBAkoEQCAQIBFBAXRqIBUQAzgCAAsgEkEDSgRAIBAgEUEDbGogFhADOAIACyAIQQFqIQgMAAsLIAdBBGohBwwACwsLGgAgAP0bACAA/RsBaiAA/RsCIAD9GwNqarILhgYCDn8Pe/0M/38AAP9/AAD/fwAA/38AACEg/QwAgAAAAIAAAACAAAAAgAAAISH9DAAAgHcAAIB3AACAdwAAgHchIiAEQQJ0IQYgBEEBdCEHIANBAnQhEkEAIQgCQANAIAggAU4NASABIAhrIRMgACAIIAZsaiEMIAwgBmogDCATQQFKGyENIA0gBmogDSATQQJKGyEOIA4gBmogDiATQQNKGyEPQQAhCQJAA0AgCSADTg0BIAIgCSAHbGohEP0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRX9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGf0MAAAAAAAAAAAAAAAAAAAAACEa/QwAAAAAAAAAAAAAAAAAAAAAIRtBACEKQQAhCwJAA0AgCyAHTg0BIBAgC2r9AAQAIRwgHP2pASEdIB0gIP1OQQ39qwEgIv3mASAdICH9TkEQ/asB/VAhHiAc/aoBIR0gHSAg/U5BDf2rASAi/eYBIB0gIf1OQRD9qwH9UCEfIBQgDCAKav0ABAAgHv3mAf3kASEUIBggDCAKav0ABBAgH/3mAf3kASEYIBUgDSAKav0ABAAgHv3mAf3kASEVIBkgDSAKav0ABBAgH/3mAf3kASEZIBYgDiAKav0ABAAgHv3mAf3kASEWIBogDiAKav0ABBAgH/3mAf3kASEaIBcgDyAKav0ABAAgHv3mAf3kASEXIBsgDyAKav0ABBAgH/3mAf3kASEbIApBIGohCiALQRBqIQsMAAsLIAUgCCADbCAJakECdGohESARIBQgGP3kARAAOAIAIBNBAUoEQCARIBJqIBUgGf3kARAAOAIACyATQQJKBEAgESASQQF0aiAWIBr95AEQADgCAAsgE0EDSgRAIBEgEkEDbGogFyAb/eQBEAA4AgALIAlBAWohCQwACwsgCEEEaiEIDAALCwuJAwIEfwV7IAEhB0EAIQUCQANAIAUgAk4NAf0MAAAAAAAAAAAAAAAAAAAAACEJ/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEMQQAhBgJAA0AgBkEgaiADSg0BIAAgBkEBdGohCCAHIAZq/QAEACENIAkgCP0ABAAgDf2HAf26Af2uASEJIAogCP0ABBAgDf2IAf26Af2uASEKIAcgBmr9AAQQIQ0gCyAI/QAEICAN/YcB/boB/a4BIQsgDCAI/QAEMCAN/YgB/boB/a4BIQwgBkEgaiEGDAALCyAGIANIBEAgACAGQQF0aiEIIAcgBmr9AAQAIQ0gCSAI/QAEACAN/YcB/boB/a4BIQkgCiAI/QAEECAN/YgB/boB/a4BIQoLIAkgCv2uASALIAz9rgH9rgEhCSAEIAVBAnRqIAn9GwAgCf0bAWogCf0bAiAJ/RsDamqyOAIAIAcgA2ohByAFQQFqIQUMAAsLC2wCAX8EeyAAIAFqIQICQANAIAAgAk8NASADIAD9AAQA/a4BIQMgBCAA/QAEEP2uASEEIAUgAP0ABCD9rgEhBSAGIAD9AAQw/a4BIQYgAEHAAGohAAwACwsgAyAE/a4BIAUgBv2uAf2uAf0bAAs=";

/** A compiled kernel instance with its own linear memory (no state is shared between callers). */
export interface SimdDot {
  /** Float32 view of the instance memory (re-read after {@link SimdDot.reserve}). */
  heap(): Float32Array;
  /** Grows memory to at least `bytes`. */
  reserve(bytes: number): void;
  /** `out[qi * nx + i] = Q[qi] · X[i]`; all arguments are byte offsets/counts into the memory. */
  scores(q: number, nq: number, x: number, nx: number, dim: number, out: number): void;
  /** Same for int8 codes: queries widened to int16 (2·dim bytes a row), items int8; `dim % 16 === 0`. */
  scoresI8(q: number, nq: number, x: number, nx: number, dim: number, out: number): void;
  /** Same for float16 items (raw binary16 bits, 2·dim bytes a row) and float32 queries; `dim % 8 === 0`. */
  scoresF16(q: number, nq: number, x: number, nx: number, dim: number, out: number): void;
  /**
   * Reads `bytes` bytes (a multiple of 64) from offset `x` front to back and returns a checksum:
   * the streaming-read yardstick for memory bandwidth (used by the exact-search benchmark).
   */
  streamRead(x: number, bytes: number): number;
  /** Bytes of linear memory now. */
  bytes(): number;
}

let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof WebAssembly === "undefined") return null;
    const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    // validate() is false where 128-bit SIMD is unsupported: fall back to JS rather than throw.
    if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A fresh kernel instance, or undefined when WebAssembly SIMD is unavailable. */
export function createSimdDot(): SimdDot | undefined {
  const module = compile();
  if (!module) return undefined;
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const scores = instance.exports.scores as SimdDot["scores"];
  const scoresI8 = instance.exports.scores_i8 as SimdDot["scoresI8"];
  const scoresF16 = instance.exports.scores_f16 as SimdDot["scoresF16"];
  const streamRead = instance.exports.stream_read as SimdDot["streamRead"];
  let view = new Float32Array(memory.buffer);
  return {
    heap: () => {
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    reserve(bytes) {
      const have = memory.buffer.byteLength;
      if (bytes <= have) return;
      try {
        memory.grow(Math.ceil((bytes - have) / 65536));
      } catch (cause) {
        // wasm32 memory ends at 4 GiB (less where the engine or the machine says so).
        throw new ClipkitError(
          "INVALID_ARGUMENT",
          `WebAssembly kernel: cannot grow its memory to ${(bytes / 2 ** 30).toFixed(2)} GiB (wasm32 allows at most 4 GiB); store fewer rows per index, or use float16/int8 storage or UsearchIndex`,
          { details: { argument: "rows", bytes }, cause },
        );
      }
    },
    scores,
    scoresI8,
    scoresF16,
    streamRead,
    bytes: () => memory.buffer.byteLength,
  };
}
