export {
  type IndexFileKind,
  indexFileKind,
  type LoadedIndex,
  loadFlatIndexFile,
  loadIndexFile,
  loadUsearchIndexFile,
  type OpenIndexOptions,
  openOrCreateFlatIndexFile,
  openOrCreateIndexFile,
  saveFlatIndexFile,
  saveIndexFile,
  saveUsearchIndexFile,
  type UsearchRuntimeOptions,
} from "./files.js";
export {
  contentId,
  type GalleryFailure,
  type GalleryIndex,
  type GalleryMetadata,
  type GalleryReport,
  type UpdateGalleryOptions,
  updateGallery,
} from "./gallery.js";
export { type PgVectorHnswOptions, type PgVectorOptions, PgVectorRetriever } from "./pgvector.js";
export { quoteIdentifier, type SqlClient } from "./sql.js";
export { UsearchIndex, type UsearchIndexOptions, type UsearchState } from "./usearch-index.js";
export { loadUsearch, nativeExactSearch, type UsearchModule } from "./usearch-native.js";
export { expandImageArgs, globToRegExp, IMAGE_EXTENSIONS } from "./walk.js";
