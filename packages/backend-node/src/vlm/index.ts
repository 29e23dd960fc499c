export { type LoadVlmOptions, loadCaptioner, loadVqa, type NodeCaptioner, type NodeVqa } from "./load.js";
export { loadVlm, type NodeChatContent, type NodeChatMessage, type NodeVlm } from "./vlm.js";
