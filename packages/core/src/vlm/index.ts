export { type Captioner, createCaptioner } from "./captioner.js";
export { parseVlmConfig, type VlmConfig } from "./config.js";
export { detectVlmLayout, type VlmLayout } from "./layout.js";
export { loadVlmModel, type VlmLoadOptions, type VlmModel } from "./model.js";
export { type GeneratedText, type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";
export { createVqa, type Vqa, type VqaItem } from "./vqa.js";
