/**
 * @module
 * `@clipkit/core`: the runtime-independent half of clipkit — embedding maths, the backend seam,
 * tokenizers, image preprocessing, zero-shot heads, vector indexes and generation.
 */

export * from "./adapt/index.js";
export * from "./backend/index.js";
export {
  assertSameSpace,
  concatEmbeddings,
  createEmbeddings,
  describeSpace,
  type EmbeddingSpace,
  type Embeddings,
  row,
  sameSpace,
} from "./embeddings.js";
export {
  ClipkitError,
  type ClipkitErrorCode,
  type ClipkitErrorOptions,
  isClipkitError,
  wrapError,
} from "./errors.js";
export * from "./generation/index.js";
export * from "./hub/index.js";
export * from "./image/index.js";
export * from "./math/index.js";
export * from "./model/index.js";
export * from "./retrieval/index.js";
export * from "./tokenizer/index.js";
export * from "./vlm/index.js";
export * from "./zeroshot/index.js";
