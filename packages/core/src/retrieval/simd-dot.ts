/**
 * WebAssembly SIMD (128-bit) kernels for batched float32, float16 and int8 dot products, compiled from
 * `simd-dot.wat` (see its header for the rebuild command). Plain wasm, no imports: it runs in
 * Node ≥ 16 and every current browser; where SIMD is missing the JS kernel is used instead.
 */
import { ClipkitError } from "../errors.js";

const WASM_BASE64 =
  "AGFzbQEAAAABHQRgAXsBfWAGf39/f39/AGAFf39/f38AYAJ/fwF/AwkIAAEBAAECAwIFAwEAAQc6BQZtZW1vcnkCAAZzY29yZXMAAQlzY29yZXNfaTgAAgpzY29yZXNfZjE2AAQLc3RyZWFtX3JlYWQABgrnHwgZACAA/R8AIAD9HwGSIAD9HwIgAP0fA5KSC9YLAgx/C3sgBEECdCEGIANBAnQhEUEAIQcCQANAIAdBBGogAUoNASAAIAcgBmxqIQogCiAGaiELIAsgBmohDCAMIAZqIQ1BACEIAkADQCAIQQJqIANKDQEgAiAIIAZsaiEOIA4gBmohD/0MAAAAAAAAAAAAAAAAAAAAACES/QwAAAAAAAAAAAAAAAAAAAAAIRP9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRlBACEJAkADQCAJIAZODQEgDiAJav0ABAAhGiAPIAlq/QAEACEbIAogCWr9AAQAIRwgEiAcIBr95gH95AEhEiATIBwgG/3mAf3kASETIAsgCWr9AAQAIRwgFCAcIBr95gH95AEhFCAVIBwgG/3mAf3kASEVIAwgCWr9AAQAIRwgFiAcIBr95gH95AEhFiAXIBwgG/3mAf3kASEXIA0gCWr9AAQAIRwgGCAcIBr95gH95AEhGCAZIBwgG/3mAf3kASEZIAlBEGohCQwACwsgBSAHIANsIAhqQQJ0aiEQIBAgEhAAOAIAIBAgExAAOAIEIBAgEWohECAQIBQQADgCACAQIBUQADgCBCAQIBFqIRAgECAWEAA4AgAgECAXEAA4AgQgECARaiEQIBAgGBAAOAIAIBAgGRAAOAIEIAhBAmohCAwACwsgCCADSARAIAIgCCAGbGohDv0MAAAAAAAAAAAAAAAAAAAAACES/QwAAAAAAAAAAAAAAAAAAAAAIRP9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEVQQAhCQJAA0AgCSAGTg0BIA4gCWr9AAQAIRogCiAJav0ABAAhHCASIBwgGv3mAf3kASESIAsgCWr9AAQAIRwgEyAcIBr95gH95AEhEyAMIAlq/QAEACEcIBQgHCAa/eYB/eQBIRQgDSAJav0ABAAhHCAVIBwgGv3mAf3kASEVIAlBEGohCQwACwsgBSAHIANsIAhqQQJ0aiEQIBAgEhAAOAIAIBAgEWohECAQIBMQADgCACAQIBFqIRAgECAUEAA4AgAgECARaiEQIBAgFRAAOAIACyAHQQRqIQcMAAsLAkADQCAHIAFODQEgACAHIAZsaiEKIAUgByADbEECdGohECACIQ5BACEIAkADQCAIIANODQH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRf9DAAAAAAAAAAAAAAAAAAAAAAhGP0MAAAAAAAAAAAAAAAAAAAAACEZQQAhCQJAA0AgCUGAAWogBkoNASAOIAlqIQ8gCiAJaiELIBIgC/0ABAAgD/0ABAD95gH95AEhEiATIAv9AAQQIA/9AAQQ/eYB/eQBIRMgFCAL/QAEICAP/QAEIP3mAf3kASEUIBUgC/0ABDAgD/0ABDD95gH95AEhFSAWIAv9AARAIA/9AARA/eYB/eQBIRYgFyAL/QAEUCAP/QAEUP3mAf3kASEXIBggC/0ABGAgD/0ABGD95gH95AEhGCAZIAv9AARwIA/9AARw/eYB/eQBIRkgCUGAAWohCQwACwsCQANAIAkgBk4NASASIAogCWr9AAQAIA4gCWr9AAQA/eYB/eQBIRIgCUEQaiEJDAALCyASIBP95AEgFCAV/eQB/eQBIBYgF/3kASAYIBn95AH95AH95AEhEiAQIBL9HwAgEv0fAZIgEv0fAiAS/R8DkpI4AgAgEEEEaiEQIA4gBmohDiAIQQFqIQgMAAsLIAdBAWohBwwACwsLsAQCDX8GeyAEQQF0IQYgA0ECdCERQQAhBwJAA0AgByABTg0BIAEgB2shEiAAIAcgBmxqIQsgEkEBRgRAIAsgAiADIAQgBSAHIANsQQJ0ahAFDAILIAsgBmogCyASQQFKGyEMIAwgBmogDCASQQJKGyENIA0gBmogDSASQQNKGyEOQQAhCAJAA0AgCCADTg0BIAIgCCAEbGohD/0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEWQQAhCUEAIQoCQANAIAkgBE4NASAPIAlq/QAEACEXIBf9iAEhGCAX/YcBIRcgEyALIApq/QAEACAX/boBIAsgCmr9AAQQIBj9ugH9rgH9rgEhEyAUIAwgCmr9AAQAIBf9ugEgDCAKav0ABBAgGP26Af2uAf2uASEUIBUgDSAKav0ABAAgF/26ASANIApq/QAEECAY/boB/a4B/a4BIRUgFiAOIApq/QAEACAX/boBIA4gCmr9AAQQIBj9ugH9rgH9rgEhFiAJQRBqIQkgCkEgaiEKDAALCyAFIAcgA2wgCGpBAnRqIRAgECATEAM4AgAgEkEBSgRAIBAgEWogFBADOAIACyASQQJKBEAgECARQQF0aiAVEAM4AgALIBJBA0oEQCAQIBFBA2xqIBYQAzgCAAsgCEEBaiEIDAALCyAHQQRqIQcMAAsLCxoAIAD9GwAgAP0bAWogAP0bAiAA/RsDamqyC6UGAg5/D3v9DP9/AAD/fwAA/38AAP9/AAAhIP0MAIAAAACAAAAAgAAAAIAAACEh/QwAAIB3AACAdwAAgHcAAIB3ISIgBEECdCEGIARBAXQhByADQQJ0IRJBACEIAkADQCAIIAFODQEgASAIayETIAAgCCAGbGohDCATQQFGBEAgDCACIAMgBCAFIAggA2xBAnRqEAcMAgsgDCAGaiAMIBNBAUobIQ0gDSAGaiANIBNBAkobIQ4gDiAGaiAOIBNBA0obIQ9BACEJAkADQCAJIANODQEgAiAJIAdsaiEQ/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRf9DAAAAAAAAAAAAAAAAAAAAAAhGP0MAAAAAAAAAAAAAAAAAAAAACEZ/QwAAAAAAAAAAAAAAAAAAAAAIRr9DAAAAAAAAAAAAAAAAAAAAAAhG0EAIQpBACELAkADQCALIAdODQEgECALav0ABAAhHCAc/akBIR0gHSAg/U5BDf2rASAi/eYBIB0gIf1OQRD9qwH9UCEeIBz9qgEhHSAdICD9TkEN/asBICL95gEgHSAh/U5BEP2rAf1QIR8gFCAMIApq/QAEACAe/eYB/eQBIRQgGCAMIApq/QAEECAf/eYB/eQBIRggFSANIApq/QAEACAe/eYB/eQBIRUgGSANIApq/QAEECAf/eYB/eQBIRkgFiAOIApq/QAEACAe/eYB/eQBIRYgGiAOIApq/QAEECAf/eYB/eQBIRogFyAPIApq/QAEACAe/eYB/eQBIRcgGyAPIApq/QAEECAf/eYB/eQBIRsgCkEgaiEKIAtBEGohCwwACwsgBSAIIANsIAlqQQJ0aiERIBEgFCAY/eQBEAA4AgAgE0EBSgRAIBEgEmogFSAZ/eQBEAA4AgALIBNBAkoEQCARIBJBAXRqIBYgGv3kARAAOAIACyATQQNKBEAgESASQQNsaiAXIBv95AEQADgCAAsgCUEBaiEJDAALCyAIQQRqIQgMAAsLC4kDAgR/BXsgASEHQQAhBQJAA0AgBSACTg0B/QwAAAAAAAAAAAAAAAAAAAAAIQn9DAAAAAAAAAAAAAAAAAAAAAAhCv0MAAAAAAAAAAAAAAAAAAAAACEL/QwAAAAAAAAAAAAAAAAAAAAAIQxBACEGAkADQCAGQSBqIANKDQEgACAGQQF0aiEIIAcgBmr9AAQAIQ0gCSAI/QAEACAN/YcB/boB/a4BIQkgCiAI/QAEECAN/YgB/boB/a4BIQogByAGav0ABBAhDSALIAj9AAQgIA39hwH9ugH9rgEhCyAMIAj9AAQwIA39iAH9ugH9rgEhDCAGQSBqIQYMAAsLIAYgA0gEQCAAIAZBAXRqIQggByAGav0ABAAhDSAJIAj9AAQAIA39hwH9ugH9rgEhCSAKIAj9AAQQIA39iAH9ugH9rgEhCgsgCSAK/a4BIAsgDP2uAf2uASEJIAQgBUECdGogCf0bACAJ/RsBaiAJ/RsCIAn9GwNqarI4AgAgByADaiEHIAVBAWohBQwACwsLbAIBfwR7IAAgAWohAgJAA0AgACACTw0BIAMgAP0ABAD9rgEhAyAEIAD9AAQQ/a4BIQQgBSAA/QAEIP2uASEFIAYgAP0ABDD9rgEhBiAAQcAAaiEADAALCyADIAT9rgEgBSAG/a4B/a4B/RsAC4YFAgV/C3v9DP9/AAD/fwAA/38AAP9/AAAhEv0MAIAAAACAAAAAgAAAAIAAACET/QwAAIB3AACAdwAAgHcAAIB3IRQgA0EBdCEHIAEhCEEAIQUCQANAIAUgAk4NAf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACENQQAhBgJAA0AgBkEgaiAHSg0BIAAgBkEBdGohCSAIIAZq/QAEACEOIA79qQEhDyAPIBL9TkEN/asBIBT95gEgDyAT/U5BEP2rAf1QIRAgDv2qASEPIA8gEv1OQQ39qwEgFP3mASAPIBP9TkEQ/asB/VAhESAKIAn9AAQAIBD95gH95AEhCiALIAn9AAQQIBH95gH95AEhCyAIIAZq/QAEECEOIA79qQEhDyAPIBL9TkEN/asBIBT95gEgDyAT/U5BEP2rAf1QIRAgDv2qASEPIA8gEv1OQQ39qwEgFP3mASAPIBP9TkEQ/asB/VAhESAMIAn9AAQgIBD95gH95AEhDCANIAn9AAQwIBH95gH95AEhDSAGQSBqIQYMAAsLIAYgB0gEQCAAIAZBAXRqIQkgCCAGav0ABAAhDiAO/akBIQ8gDyAS/U5BDf2rASAU/eYBIA8gE/1OQRD9qwH9UCEQIA79qgEhDyAPIBL9TkEN/asBIBT95gEgDyAT/U5BEP2rAf1QIREgCiAJ/QAEACAQ/eYB/eQBIQogCyAJ/QAEECAR/eYB/eQBIQsLIAQgBUECdGogCiAL/eQBIAwgDf3kAf3kARAAOAIAIAggB2ohCCAFQQFqIQUMAAsLCw==";

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
