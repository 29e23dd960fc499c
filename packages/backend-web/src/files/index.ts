export { type BlobFilesOptions, blobFiles } from "./blob-files.js";
export { checkModelPath } from "./path.js";
export { type CacheStorageLike, type UrlFilesOptions, urlFiles } from "./url-files.js";
