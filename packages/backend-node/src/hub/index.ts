export { hubCacheDir } from "./cache.js";
export { type CachedModel, type CachedRevision, listCachedModels, removeCachedModel } from "./cache-admin.js";
export type { HubOptions } from "./options.js";
export { type DownloadModelOptions, downloadModel, type HubModel, resolveModelSource } from "./resolve.js";
