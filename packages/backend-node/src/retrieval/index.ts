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
  type GalleryDuplicate,
  type GalleryFailure,
  type GalleryIndex,
  type GalleryMetadata,
  type GalleryReport,
  type UpdateGalleryOptions,
  updateGallery,
} from "./gallery.js";
export { type IndexLock, type IndexLockOptions, lockIndexFile } from "./lock.js";
export {
  indexFolderToPostgres,
  type PgConnection,
  type PgGalleryOptions,
  type PgGalleryReport,
} from "./pg-gallery.js";
export { type ClaimedJob, type JobCounts, type JobFailure, PgJobQueue } from "./pg-jobs.js";
export { type PgVectorHnswOptions, type PgVectorOptions, PgVectorRetriever } from "./pgvector.js";
export { quoteIdentifier, type SqlClient } from "./sql.js";
export { UsearchIndex, type UsearchIndexOptions, type UsearchState } from "./usearch-index.js";
export { loadUsearch, nativeExactSearch, type UsearchModule } from "./usearch-native.js";
export {
  type ExpandedImages,
  type ExpandOptions,
  expandImageArgs,
  expandImages,
  globToRegExp,
  type IgnoredPath,
  type IgnoredReason,
  IMAGE_EXTENSIONS,
  scopeOf,
  UNDECODABLE_EXTENSIONS,
} from "./walk.js";
