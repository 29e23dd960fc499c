export type { HubProgress } from "./progress.js";
export { checkRevision, type HubModelRef, isCommitHash, parseHubModelRef } from "./repo-id.js";
export {
  CONFIG_FILES,
  type HubModelKind,
  type HubSelection,
  isMissingFiles,
  recordedExternalData,
  selectModelFiles,
} from "./select.js";
