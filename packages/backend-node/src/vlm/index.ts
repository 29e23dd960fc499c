export { type LoadVlmOptions, loadCaptioner, loadVqa, type NodeCaptioner, type NodeVqa } from "./load.js";
