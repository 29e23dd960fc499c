/**
 * WebAssembly SIMD (128-bit) kernels for batched float32, float16 and int8 dot products, compiled from
 * `simd-dot.wat` (see its header for the rebuild command). Plain wasm, no imports: it runs in
 * Node ≥ 16 and every current browser; where SIMD is missing the JS kernel is used instead.
 */
import { ClipkitError } from "../errors.js";

const WASM_BASE64 =
  "AGFzbQEAAAABDwJgAXsBfWAGf39/f39/AAMGBQABAQABBQMBAAEHLAQGbWVtb3J5AgAGc2NvcmVzAAEJc2NvcmVzX2k4AAIKc2NvcmVzX2YxNgAECoYVBRkAIAD9HwAgAP0fAZIgAP0fAiAA/R8DkpILswoCDH8LeyAEQQJ0IQYgA0ECdCERQQAhBwJAA0AgB0EEaiABSg0BIAAgByAGbGohCiAKIAZqIQsgCyAGaiEMIAwgBmohDUEAIQgCQANAIAhBAmogA0oNASACIAggBmxqIQ4gDiAGaiEP/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRX9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGUEAIQkCQANAIAkgBk4NASAOIAlq/QAEACEaIA8gCWr9AAQAIRsgCiAJav0ABAAhHCASIBwgGv3mAf3kASESIBMgHCAb/eYB/eQBIRMgCyAJav0ABAAhHCAUIBwgGv3mAf3kASEUIBUgHCAb/eYB/eQBIRUgDCAJav0ABAAhHCAWIBwgGv3mAf3kASEWIBcgHCAb/eYB/eQBIRcgDSAJav0ABAAhHCAYIBwgGv3mAf3kASEYIBkgHCAb/eYB/eQBIRkgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIRAgECASEAA4AgAgECATEAA4AgQgECARaiEQIBAgFBAAOAIAIBAgFRAAOAIEIBAgEWohECAQIBYQADgCACAQIBcQADgCBCAQIBFqIRAgECAYEAA4AgAgECAZEAA4AgQgCEECaiEIDAALCyAIIANIBEAgAiAIIAZsaiEO/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRVBACEJAkADQCAJIAZODQEgDiAJav0ABAAhGiAKIAlq/QAEACEcIBIgHCAa/eYB/eQBIRIgCyAJav0ABAAhHCATIBwgGv3mAf3kASETIAwgCWr9AAQAIRwgFCAcIBr95gH95AEhFCANIAlq/QAEACEcIBUgHCAa/eYB/eQBIRUgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIRAgECASEAA4AgAgECARaiEQIBAgExAAOAIAIBAgEWohECAQIBQQADgCACAQIBFqIRAgECAVEAA4AgALIAdBBGohBwwACwsCQANAIAcgAU4NASAAIAcgBmxqIQpBACEIAkADQCAIIANODQEgAiAIIAZsaiEOIA4gBmogDiAIQQFqIANIGyELIAsgBmogCyAIQQJqIANIGyEMIAwgBmogDCAIQQNqIANIGyEN/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRVBACEJAkADQCAJIAZODQEgCiAJav0ABAAhHCAOIAlq/QAEACEaIBIgHCAa/eYB/eQBIRIgCyAJav0ABAAhGiATIBwgGv3mAf3kASETIAwgCWr9AAQAIRogFCAcIBr95gH95AEhFCANIAlq/QAEACEaIBUgHCAa/eYB/eQBIRUgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIRAgECASEAA4AgAgCEEBaiADSARAIBAgExAAOAIECyAIQQJqIANIBEAgECAUEAA4AggLIAhBA2ogA0gEQCAQIBUQADgCDAsgCEEEaiEIDAALCyAHQQFqIQcMAAsLC5EEAg1/BnsgBEEBdCEGIANBAnQhEUEAIQcCQANAIAcgAU4NASABIAdrIRIgACAHIAZsaiELIAsgBmogCyASQQFKGyEMIAwgBmogDCASQQJKGyENIA0gBmogDSASQQNKGyEOQQAhCAJAA0AgCCADTg0BIAIgCCAEbGohD/0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEWQQAhCUEAIQoCQANAIAkgBE4NASAPIAlq/QAEACEXIBf9iAEhGCAX/YcBIRcgEyALIApq/QAEACAX/boBIAsgCmr9AAQQIBj9ugH9rgH9rgEhEyAUIAwgCmr9AAQAIBf9ugEgDCAKav0ABBAgGP26Af2uAf2uASEUIBUgDSAKav0ABAAgF/26ASANIApq/QAEECAY/boB/a4B/a4BIRUgFiAOIApq/QAEACAX/boBIA4gCmr9AAQQIBj9ugH9rgH9rgEhFiAJQRBqIQkgCkEgaiEKDAALCyAFIAcgA2wgCGpBAnRqIRAgECATEAM4AgAgEkEBSgRAIBAgEWogFBADOAIACyASQQJKBEAgECARQQF0aiAVEAM4AgALIBJBA0oEQCAQIBFBA2xqIBYQAzgCAAsgCEEBaiEIDAALCyAHQQRqIQcMAAsLCxoAIAD9GwAgAP0bAWogAP0bAiAA/RsDamqyC4YGAg5/D3v9DP9/AAD/fwAA/38AAP9/AAAhIP0MAIAAAACAAAAAgAAAAIAAACEh/QwAAIB3AACAdwAAgHcAAIB3ISIgBEECdCEGIARBAXQhByADQQJ0IRJBACEIAkADQCAIIAFODQEgASAIayETIAAgCCAGbGohDCAMIAZqIAwgE0EBShshDSANIAZqIA0gE0ECShshDiAOIAZqIA4gE0EDShshD0EAIQkCQANAIAkgA04NASACIAkgB2xqIRD9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRb9DAAAAAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRn9DAAAAAAAAAAAAAAAAAAAAAAhGv0MAAAAAAAAAAAAAAAAAAAAACEbQQAhCkEAIQsCQANAIAsgB04NASAQIAtq/QAEACEcIBz9qQEhHSAdICD9TkEN/asBICL95gEgHSAh/U5BEP2rAf1QIR4gHP2qASEdIB0gIP1OQQ39qwEgIv3mASAdICH9TkEQ/asB/VAhHyAUIAwgCmr9AAQAIB795gH95AEhFCAYIAwgCmr9AAQQIB/95gH95AEhGCAVIA0gCmr9AAQAIB795gH95AEhFSAZIA0gCmr9AAQQIB/95gH95AEhGSAWIA4gCmr9AAQAIB795gH95AEhFiAaIA4gCmr9AAQQIB/95gH95AEhGiAXIA8gCmr9AAQAIB795gH95AEhFyAbIA8gCmr9AAQQIB/95gH95AEhGyAKQSBqIQogC0EQaiELDAALCyAFIAggA2wgCWpBAnRqIREgESAUIBj95AEQADgCACATQQFKBEAgESASaiAVIBn95AEQADgCAAsgE0ECSgRAIBEgEkEBdGogFiAa/eQBEAA4AgALIBNBA0oEQCARIBJBA2xqIBcgG/3kARAAOAIACyAJQQFqIQkMAAsLIAhBBGohCAwACwsL";

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
    bytes: () => memory.buffer.byteLength,
  };
}
