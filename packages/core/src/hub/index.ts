export type { HubProgress } from "./progress.js";
export {
  MAX_READ_AHEAD,
  type RangeFetch,
  type RemoteRangeSource,
  readAheadSource,
  ScanStopped,
  scanBudget,
} from "./read-ahead.js";
export {
  checkRevision,
  type HubModelRef,
  isCommitHash,
  parseHubModelRef,
  requireHubModelRef,
} from "./repo-id.js";
export {
  formatScoringRecord,
  parseScoringRecord,
  readScoringRecord,
  SCORING_RECORD_SUFFIX,
  type ScannedGraph,
  type ScoringRecord,
  scoringRecordFromScan,
  scoringRecordPath,
} from "./scoring-record.js";
export {
  CONFIG_FILES,
  type HubModelKind,
  type HubSelection,
  isMissingFiles,
  type ModelFilePlan,
  planModelFiles,
  recordedExternalData,
  selectModelFiles,
} from "./select.js";
