export { type Captioner, type CaptionOptions, createCaptioner } from "./captioner.js";
export {
  type ChatTemplate,
  type CompiledTemplate,
  chatImages,
  compileChatTemplate,
  countChatImages,
  type RenderChatOptions,
  readChatTemplate,
  renderChatTemplate,
  specialTokensFrom,
} from "./chat-template.js";
export { parseVlmConfig, type VlmConfig } from "./config.js";
export {
  dequantizeLocation,
  FLORENCE2_TASKS,
  type Florence2Answer,
  type Florence2Boxes,
  type Florence2ParseConfig,
  type Florence2QuadBoxes,
  type Florence2Task,
  florence2Prompt,
  florence2PromptFromText,
  parseFlorence2Answer,
  quantizeLocation,
} from "./families/florence2-tasks.js";
export { VLM_FAMILIES } from "./families.js";
export type {
  ChatContent,
  ChatMessage,
  PreparedRequest,
  VlmFamily,
  VlmFolder,
  VlmModel,
  VlmRequest,
  VlmRequestKind,
} from "./family.js";
export {
  firstOnnxStem,
  generationDefaults,
  hasOnnxStem,
  loadPreprocessConfig,
  loadVlmTokenizer,
  needTensors,
  onnxStem,
  openSession,
  openVlmFolder,
  readImageProcessorConfig,
  readJson,
} from "./folder.js";
export {
  expandImageTokens,
  type ImageTokenSource,
  type LlavaImageTokens,
  llavaImageTokens,
} from "./llava-processor.js";
export { LLAVA_15_CHAT_TEMPLATE } from "./llava-prompt.js";
export { detectVlmFamily, loadVlmModel } from "./model.js";
export type { VlmLoadOptions } from "./options.js";
export { type PixelData, requestPixels, stackPixels } from "./pixels.js";
export { type GeneratedText, type GenerationResult, runVlm, type VlmGenerateOptions } from "./run.js";
export { createVlm, type Vlm, type VlmChat, type VlmChatOptions, vlmFrom } from "./vlm.js";
export { createVqa, type Vqa, type VqaItem } from "./vqa.js";
