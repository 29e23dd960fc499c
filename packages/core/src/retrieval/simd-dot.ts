/**
 * WebAssembly SIMD (128-bit) kernels for batched float32 and int8 dot products, compiled from
 * `simd-dot.wat` (see its header for the rebuild command). Plain wasm, no imports: it runs in
 * Node ≥ 16 and every current browser; where SIMD is missing the JS kernel is used instead.
 */
const WASM_BASE64 =
  "AGFzbQEAAAABDwJgAXsBfWAGf39/f39/AAMFBAABAQAFAwEAAQcfAwZtZW1vcnkCAAZzY29yZXMAAQlzY29yZXNfaTgAAgr0CAQZACAA/R8AIAD9HwGSIAD9HwIgAP0fA5KSC6kEAgt/BXsgBEECdCEGIANBAnQhEEEAIQcCQANAIAdBBGogAUoNASAAIAcgBmxqIQogCiAGaiELIAsgBmohDCAMIAZqIQ1BACEIAkADQCAIIANODQEgAiAIIAZsaiEO/QwAAAAAAAAAAAAAAAAAAAAAIRH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRRBACEJAkADQCAJIAZODQEgDiAJav0ABAAhFSARIAogCWr9AAQAIBX95gH95AEhESASIAsgCWr9AAQAIBX95gH95AEhEiATIAwgCWr9AAQAIBX95gH95AEhEyAUIA0gCWr9AAQAIBX95gH95AEhFCAJQRBqIQkMAAsLIAUgByADbCAIakECdGohDyAPIBEQADgCACAPIBBqIQ8gDyASEAA4AgAgDyAQaiEPIA8gExAAOAIAIA8gEGohDyAPIBQQADgCACAIQQFqIQgMAAsLIAdBBGohBwwACwsCQANAIAcgAU4NASAAIAcgBmxqIQpBACEIAkADQCAIIANODQEgAiAIIAZsaiEO/QwAAAAAAAAAAAAAAAAAAAAAIRFBACEJAkADQCAJIAZODQEgESAKIAlq/QAEACAOIAlq/QAEAP3mAf3kASERIAlBEGohCQwACwsgBSAHIANsIAhqQQJ0aiAREAA4AgAgCEEBaiEIDAALCyAHQQFqIQcMAAsLC5EEAg1/BnsgBEEBdCEGIANBAnQhEUEAIQcCQANAIAcgAU4NASABIAdrIRIgACAHIAZsaiELIAsgBmogCyASQQFKGyEMIAwgBmogDCASQQJKGyENIA0gBmogDSASQQNKGyEOQQAhCAJAA0AgCCADTg0BIAIgCCAEbGohD/0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEWQQAhCUEAIQoCQANAIAkgBE4NASAPIAlq/QAEACEXIBf9iAEhGCAX/YcBIRcgEyALIApq/QAEACAX/boBIAsgCmr9AAQQIBj9ugH9rgH9rgEhEyAUIAwgCmr9AAQAIBf9ugEgDCAKav0ABBAgGP26Af2uAf2uASEUIBUgDSAKav0ABAAgF/26ASANIApq/QAEECAY/boB/a4B/a4BIRUgFiAOIApq/QAEACAX/boBIA4gCmr9AAQQIBj9ugH9rgH9rgEhFiAJQRBqIQkgCkEgaiEKDAALCyAFIAcgA2wgCGpBAnRqIRAgECATEAM4AgAgEkEBSgRAIBAgEWogFBADOAIACyASQQJKBEAgECARQQF0aiAVEAM4AgALIBJBA0oEQCAQIBFBA2xqIBYQAzgCAAsgCEEBaiEIDAALCyAHQQRqIQcMAAsLCxoAIAD9GwAgAP0bAWogAP0bAiAA/RsDamqyCw==";

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
  let view = new Float32Array(memory.buffer);
  return {
    heap: () => {
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    reserve(bytes) {
      const have = memory.buffer.byteLength;
      if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
    },
    scores,
    scoresI8,
  };
}
