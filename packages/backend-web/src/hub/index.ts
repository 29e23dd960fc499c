export { type WebHubFiles, webHubFiles } from "./hub-files.js";
export type { WebHubFilesOptions, WebHubOptions } from "./options.js";
