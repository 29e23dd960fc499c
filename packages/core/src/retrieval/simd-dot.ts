/**
 * WebAssembly SIMD (128-bit) kernel for batched float32 dot products, compiled from
 * `simd-dot.wat` (see its header for the rebuild command). Plain wasm, no imports: it runs in
 * Node ≥ 16 and every current browser; where SIMD is missing the JS kernel is used instead.
 */
const WASM_BASE64 =
  "AGFzbQEAAAABDwJgAXsBfWAGf39/f39/AAMDAgABBQMBAAEHEwIGbWVtb3J5AgAGc2NvcmVzAAEKxgQCGQAgAP0fACAA/R8BkiAA/R8CIAD9HwOSkgupBAILfwV7IARBAnQhBiADQQJ0IRBBACEHAkADQCAHQQRqIAFKDQEgACAHIAZsaiEKIAogBmohCyALIAZqIQwgDCAGaiENQQAhCAJAA0AgCCADTg0BIAIgCCAGbGohDv0MAAAAAAAAAAAAAAAAAAAAACER/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEUQQAhCQJAA0AgCSAGTg0BIA4gCWr9AAQAIRUgESAKIAlq/QAEACAV/eYB/eQBIREgEiALIAlq/QAEACAV/eYB/eQBIRIgEyAMIAlq/QAEACAV/eYB/eQBIRMgFCANIAlq/QAEACAV/eYB/eQBIRQgCUEQaiEJDAALCyAFIAcgA2wgCGpBAnRqIQ8gDyAREAA4AgAgDyAQaiEPIA8gEhAAOAIAIA8gEGohDyAPIBMQADgCACAPIBBqIQ8gDyAUEAA4AgAgCEEBaiEIDAALCyAHQQRqIQcMAAsLAkADQCAHIAFODQEgACAHIAZsaiEKQQAhCAJAA0AgCCADTg0BIAIgCCAGbGohDv0MAAAAAAAAAAAAAAAAAAAAACERQQAhCQJAA0AgCSAGTg0BIBEgCiAJav0ABAAgDiAJav0ABAD95gH95AEhESAJQRBqIQkMAAsLIAUgByADbCAIakECdGogERAAOAIAIAhBAWohCAwACwsgB0EBaiEHDAALCws=";

/** A compiled kernel instance with its own linear memory (no state is shared between callers). */
export interface SimdDot {
  /** Float32 view of the instance memory (re-read after {@link SimdDot.reserve}). */
  heap(): Float32Array;
  /** Grows memory to at least `bytes`. */
  reserve(bytes: number): void;
  /** `out[qi * nx + i] = Q[qi] · X[i]`; all arguments are byte offsets/counts into the memory. */
  scores(q: number, nq: number, x: number, nx: number, dim: number, out: number): void;
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
  };
}
