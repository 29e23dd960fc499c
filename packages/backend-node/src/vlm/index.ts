export { decodeChat, type NodeChatContent, type NodeChatMessage, type NodeVlmChat } from "./chat.js";
export { type LoadVlmOptions, loadCaptioner, loadVqa, type NodeCaptioner, type NodeVqa } from "./load.js";
export { loadVlm, type NodeVlm } from "./vlm.js";
