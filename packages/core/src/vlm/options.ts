/** Options shared by every VLM loader. */
import type { Backend, ModelFiles, SessionOptions } from "../backend/session.js";
import type { ModelDtype } from "../model/dtype.js";

/** What `createCaptioner` / `createVqa` / `loadVlmModel` need to load a folder. */
export interface VlmLoadOptions {
  /** The runtime adapter, e.g. `nodeBackend()` or `webBackend()`. */
  backend: Backend;
  /** The model folder. */
  files: ModelFiles;
  /** Passed to every `createSession`. */
  sessionOptions?: SessionOptions;
  /** Weight variant, as transformers.js names them (default `"fp32"`; `"fp16"` → `onnx/*_fp16.onnx`, `"quantized"` → `onnx/*_quantized.onnx`, …). */
  dtype?: ModelDtype;
  /** LLaVA prompt with `<image>` and `{prompt}` (default config `clipkit.prompt_template` or `"USER: <image>\n{prompt} ASSISTANT:"`). */
  promptTemplate?: string;
  /** Encoder-decoder VQA prefix with `{question}` (default config `clipkit.question_template` or `"{question}"`). */
  questionTemplate?: string;
  /** LLaVA captioning instruction (default `"Describe the image."`). */
  captionPrompt?: string;
}
