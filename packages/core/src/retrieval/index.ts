export { crc32 } from "./crc32.js";
export { loadFlatIndex, saveFlatIndex } from "./flat-file.js";
export {
  FlatIndex,
  type FlatIndexOptions,
  type FlatRuntimeOptions,
  type FlatState,
  type FlatStorage,
} from "./flat-index.js";
export {
  decodeIndexFile,
  encodeIndexFile,
  INDEX_FORMAT_VERSION,
  INDEX_MAGIC,
  type IndexFileParts,
} from "./format.js";
export { type SearchByOptions, searchByImage, searchByText } from "./search-by.js";
export { type SyntheticOptions, syntheticEmbeddings } from "./synthetic.js";
export type {
  AddOptions,
  FilterValue,
  MaybePromise,
  Metadata,
  MetadataFilter,
  Retriever,
  SearchHit,
  SearchOptions,
} from "./types.js";
export {
  assertFiniteRows,
  checkAddBatch,
  checkFilter,
  checkQueries,
  matchesFilter,
  unitRows,
} from "./validate.js";
