/**
 * The Qwen2-VL family (transformers.js layout of onnx-community/Qwen2-VL-2B-Instruct):
 * `onnx/vision_encoder` (`pixel_values` patch rows + `grid_thw` → `image_features`),
 * `onnx/embed_tokens` and `onnx/decoder_model_merged` on `inputs_embeds` with 3 × batch × length
 * `position_ids`. Prompts come from the folder's chat template; images are smart-resized to the
 * processor's pixel budget, so prompts of one batch differ in length and are left-padded.
 */
import { parsePreprocessorConfig } from "../../image/config.js";
import { resolveImageProcessor } from "../../image/hf-config.js";
import { readChatTemplate, renderChatTemplate } from "../chat-template.js";
import { parseVlmConfig, resolveImageTokenId } from "../config.js";
import type { ChatContent, ChatMessage, VlmFamily } from "../family.js";
import { generationDefaults, hasOnnxStem, loadVlmTokenizer, readImageProcessorConfig } from "../folder.js";
import { chatMessages } from "./chat-request.js";
import { embedsGraphs, withEmbedsSessions } from "./embeds-sessions.js";
import { startQwen2VL } from "./qwen2-vl-model.js";
import { type Qwen2VLInputs, type Qwen2VLProcessorConfig, qwen2vlInputs } from "./qwen2-vl-processor.js";

const NAME = "qwen2_vl";
const CAPTION_PROMPT = "Describe the image.";

// Used when the folder ships no chat template (chat_template.jinja/.json, tokenizer_config.json);
// equal to the hub template's output on the fixtures' conversations.
/** Qwen2-VL-Instruct's chat template (default system turn, ChatML, vision markers), written out. */
function renderQwen2VLChat(messages: readonly ChatMessage[]): string {
  let out = "";
  messages.forEach((m, i) => {
    if (i === 0 && m.role !== "system") out += "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
    const content =
      typeof m.content === "string"
        ? m.content
        : m.content
            .map((p: ChatContent) =>
              p.type === "image" ? "<|vision_start|><|image_pad|><|vision_end|>" : p.text,
            )
            .join("");
    out += `<|im_start|>${m.role}\n${content}<|im_end|>\n`;
  });
  return `${out}<|im_start|>assistant\n`;
}

export const qwen2vlFamily: VlmFamily = {
  name: NAME,
  summary:
    "Qwen2-VL (model_type qwen2_vl): onnx/vision_encoder (pixel_values + grid_thw) + onnx/embed_tokens + onnx/decoder_model_merged (3-D position_ids)",
  matches: async (folder) => folder.modelType === NAME && (await hasOnnxStem(folder, "vision_encoder")),
  graphs: async (folder) => Object.values(await embedsGraphs(folder, NAME)),
  async load(folder, options) {
    const { files } = folder;
    const paths = await embedsGraphs(folder, NAME);
    const config = parseVlmConfig(folder.config, `${files.location}/config.json`);
    const processorJson = (await readImageProcessorConfig(files)) as Record<string, unknown>;
    const hint = { modelType: NAME };
    const settings = resolveImageProcessor(processorJson, hint);
    const tokenizer = await loadVlmTokenizer(files);
    const template = await readChatTemplate(files);
    const renderChat = (messages: readonly ChatMessage[]) =>
      template ? renderChatTemplate(template, messages) : renderQwen2VLChat(messages);
    const defaults = generationDefaults(folder, tokenizer);
    const imageTokenId = resolveImageTokenId(
      config,
      tokenizer,
      "<|image_pad|>",
      `${files.location}/config.json`,
    );
    const processor: Qwen2VLProcessorConfig = {
      preprocess: parsePreprocessorConfig(processorJson, hint),
      patchSize: settings.patchSize ?? 14,
      mergeSize: settings.mergeSize ?? 2,
      temporalPatchSize: settings.temporalPatchSize ?? 2,
      imageTokenId,
    };
    const captionPrompt = options.captionPrompt ?? config.templates.caption ?? CAPTION_PROMPT;
    const need = { vision: ["pixel_values", "grid_thw"], decoder: ["position_ids"] };
    return withEmbedsSessions(options, paths, need, (s, release) => ({
      family: NAME,
      tokenizer,
      defaults,
      config,
      kinds: ["caption", "question", "chat"],
      tasks: [],
      prepare(request, index) {
        const messages = chatMessages(request, index, NAME, captionPrompt);
        const data = qwen2vlInputs(tokenizer, renderChat(messages), request.images, processor);
        // Rows of any length share a batch (left padding, per-row rotary ids).
        return { ids: data.ids, positions: data.ids.length, batchKey: NAME, data };
      },
      start: (batch, useCache) =>
        startQwen2VL(
          s,
          batch.map((b) => b.data as Qwen2VLInputs),
          { useCache, hints: config.kv, imageTokenId, padTokenId: defaults.padTokenId ?? 0 },
        ),
      release,
    }));
  },
};
