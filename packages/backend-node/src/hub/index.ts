export { hubCacheDir } from "./cache.js";
export { type DownloadModelOptions, downloadModel, type HubModel, resolveModelSource } from "./resolve.js";
export type { HubOptions, HubProgress } from "./options.js";
export { CONFIG_FILES, type HubModelKind, type HubSelection, selectModelFiles } from "./plan.js";
export { type HubModelRef, parseHubModelRef } from "./repo-id.js";
