/**
 * The Idefics3 / SmolVLM family (transformers.js layout of HuggingFaceTB/SmolVLM-256M-Instruct,
 * SmolVLM-500M-Instruct, SmolVLM-Instruct): `onnx/vision_encoder` (`pixel_values` +
 * `pixel_attention_mask` → `image_features`), `onnx/embed_tokens` and
 * `onnx/decoder_model_merged` on `inputs_embeds`. Prompts come from the folder's chat template;
 * each image becomes tiles plus a global image, `image_seq_len` tokens each.
 */
import { ClipkitError } from "../../errors.js";
import { resolveImageProcessor } from "../../image/hf-config.js";
import { readChatTemplate, renderChatTemplate } from "../chat-template.js";
import { parseVlmConfig, positiveInt, resolveImageTokenId } from "../config.js";
import type { ChatContent, ChatMessage, VlmFamily } from "../family.js";
import {
  generationDefaults,
  hasOnnxStem,
  loadVlmTokenizer,
  readImageProcessorConfig,
  readJson,
} from "../folder.js";
import { chatMessages } from "./chat-request.js";
import { embedsGraphs, withEmbedsSessions } from "./embeds-sessions.js";
import { startIdefics3 } from "./idefics3-model.js";
import { type Idefics3Inputs, idefics3Inputs } from "./idefics3-processor.js";

const NAME = "idefics3";
const TYPES = new Set(["idefics3", "smolvlm"]);
const CAPTION_PROMPT = "Describe the image.";

// Used when the folder ships no chat template (chat_template.jinja/.json, tokenizer_config.json);
// equal to the hub template's output on the fixtures' conversations.
/** SmolVLM-Instruct's chat template, written out (`Role:` before an image, `Role: ` before text). */
function renderSmolVlmChat(messages: readonly ChatMessage[]): string {
  let out = "<|im_start|>";
  for (const m of messages) {
    const parts: readonly ChatContent[] =
      typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    const role = m.role[0]!.toUpperCase() + m.role.slice(1);
    out += `${role}${parts[0]?.type === "image" ? ":" : ": "}`;
    out += parts.map((p) => (p.type === "image" ? "<image>" : p.text)).join("");
    out += "<end_of_utterance>\n";
  }
  return `${out}Assistant:`;
}

export const idefics3Family: VlmFamily = {
  name: NAME,
  summary:
    "Idefics3 / SmolVLM (model_type idefics3, smolvlm): onnx/vision_encoder (pixel_values + pixel_attention_mask) + onnx/embed_tokens + onnx/decoder_model_merged",
  matches: async (folder) =>
    folder.modelType !== undefined &&
    TYPES.has(folder.modelType) &&
    (await hasOnnxStem(folder, "vision_encoder")),
  graphs: async (folder) => Object.values(await embedsGraphs(folder, NAME)),
  async load(folder, options) {
    const { files } = folder;
    const file = `${files.location}/config.json`;
    const paths = await embedsGraphs(folder, NAME);
    const config = parseVlmConfig(folder.config, file);
    const processorJson = (await readImageProcessorConfig(files)) as Record<string, unknown>;
    const settings = resolveImageProcessor(processorJson, { modelType: folder.modelType ?? NAME });
    // image_seq_len: processor_config.json, else ((image_size / patch_size)² / scale_factor²) as the model computes it.
    const processorConfig = (await readJson(files, "processor_config.json", false)) as
      | Record<string, unknown>
      | undefined;
    const vision = (folder.config.vision_config ?? {}) as Record<string, unknown>;
    const [size, patch, scale] = [
      positiveInt(vision.image_size),
      positiveInt(vision.patch_size),
      positiveInt(folder.config.scale_factor) ?? 2,
    ];
    const seqLen =
      positiveInt(processorConfig?.image_seq_len) ??
      (size !== undefined && patch !== undefined ? (size / patch) ** 2 / scale ** 2 : undefined);
    if (seqLen === undefined || !Number.isInteger(seqLen)) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${file}: no image_seq_len (vision_config image_size/patch_size)`,
        {
          details: { file },
        },
      );
    }
    const tokenizer = await loadVlmTokenizer(files);
    const template = await readChatTemplate(files);
    const renderChat = (messages: readonly ChatMessage[]) =>
      template ? renderChatTemplate(template, messages) : renderSmolVlmChat(messages);
    const defaults = generationDefaults(folder, tokenizer);
    const imageTokenId = resolveImageTokenId(config, tokenizer, "<image>", file);
    const captionPrompt = options.captionPrompt ?? config.templates.caption ?? CAPTION_PROMPT;
    const need = { vision: ["pixel_values", "pixel_attention_mask"] };
    return withEmbedsSessions(options, paths, need, (s, release) => ({
      family: NAME,
      tokenizer,
      defaults,
      config,
      kinds: ["caption", "question", "chat"],
      tasks: [],
      prepare(request, index) {
        const messages = chatMessages(request, index, NAME, captionPrompt);
        const data = idefics3Inputs(tokenizer, renderChat(messages), request.images, settings, seqLen);
        // Left padding lets prompts of any length share a batch; the vision tower runs per request.
        return { ids: data.ids, positions: data.ids.length, batchKey: NAME, data };
      },
      start: (batch, useCache) =>
        startIdefics3(
          s,
          batch.map((b) => b.data as Idefics3Inputs),
          { useCache, hints: config.kv, imageTokenId, padTokenId: defaults.padTokenId ?? 0 },
        ),
      release,
    }));
  },
};
