/**
 * The PaliGemma family (transformers.js layout of onnx-community/paligemma2-3b-pt-224 and
 * siblings): `onnx/vision_encoder` (`pixel_values` → `image_features`), `onnx/embed_tokens` and
 * `onnx/decoder_model_merged` on `inputs_embeds` with 1-based `position_ids`. The prompt is built
 * as `PaliGemmaProcessor` does — `<image>` × (images · image_seq_length), BOS, the text, "\n" — and
 * attends to itself both ways (prefix-LM) when the decoder takes `token_type_ids`.
 */
import { expectTensor, toFloat32 } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import type { LogitsModel } from "../../generation/types.js";
import { preprocessBatch } from "../../image/preprocess.js";
import { parseVlmConfig, positiveInt, resolveImageTokenId } from "../config.js";
import type { PreparedRequest, VlmFamily } from "../family.js";
import {
  generationDefaults,
  hasOnnxStem,
  loadPreprocessConfig,
  loadVlmTokenizer,
  readImageProcessorConfig,
} from "../folder.js";
import { type PixelData, stackPixels, unsupportedKind } from "../pixels.js";
import {
  type EmbedsRow,
  type EmbedsStartOptions,
  embedRows,
  embedsDecoder,
  leftPad,
} from "./embeds-decoder.js";
import { type EmbedsSessions, embedsGraphs, withEmbedsSessions } from "./embeds-sessions.js";

const NAME = "paligemma";
const CAPTION_PROMPT = "caption en";

async function startPaliGemma(
  s: EmbedsSessions,
  batch: readonly PreparedRequest[],
  o: EmbedsStartOptions,
): Promise<LogitsModel> {
  const out = await s.vision.run({ pixel_values: stackPixels(batch) });
  const features = toFloat32(expectTensor(out, "image_features", "float32", 3, s.labels.vision));
  const { width, padded } = leftPad(
    batch.map((b) => b.ids),
    o.padTokenId,
  );
  const { data, dim } = await embedRows(s.embed, s.labels.embed, padded);
  let feature = 0;
  const rows: EmbedsRow[] = batch.map((b, r) => {
    const embeds = data.slice(r * width * dim, (r + 1) * width * dim);
    const pad = width - b.ids.length;
    padded[r]!.forEach((t, i) => {
      if (i < pad || t !== o.imageTokenId) return;
      if ((feature + 1) * dim <= features.length)
        embeds.set(features.subarray(feature * dim, (feature + 1) * dim), i * dim);
      feature++;
    });
    // transformers: (cumsum(mask) - 1, 1 on padding) + 1 — PaliGemma counts positions from 1.
    const positions = [...new Array<number>(pad).fill(2), ...b.ids.map((_, i) => i + 1)];
    return {
      embeds,
      mask: padded[r]!.map((_, i) => (i < pad ? 0 : 1)),
      positions: [positions],
      next: b.ids.length + 1,
    };
  });
  if (feature * dim !== features.length) {
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `${s.labels.vision}: ${features.length / dim} image feature rows for ${feature} <image> tokens`,
      { details: { file: s.labels.vision, tensor: "image_features" } },
    );
  }
  return embedsDecoder(rows, {
    sessions: s,
    dim,
    hints: o.hints,
    useCache: o.useCache,
    positionLayout: "2d",
    tokenTypes: true,
  });
}

export const paligemmaFamily: VlmFamily = {
  name: NAME,
  summary:
    "PaliGemma (model_type paligemma): onnx/vision_encoder + onnx/embed_tokens + onnx/decoder_model_merged ([token_type_ids] for the prefix-LM mask)",
  matches: async (folder) => folder.modelType === NAME && (await hasOnnxStem(folder, "vision_encoder")),
  graphs: async (folder) => Object.values(await embedsGraphs(folder, NAME)),
  async load(folder, options) {
    const { files } = folder;
    const file = `${files.location}/config.json`;
    const paths = await embedsGraphs(folder, NAME);
    const config = parseVlmConfig(folder.config, file);
    const preprocess = await loadPreprocessConfig(folder);
    const processorJson = (await readImageProcessorConfig(files)) as Record<string, unknown>;
    const text = (folder.config.text_config ?? {}) as Record<string, unknown>;
    const vision = (folder.config.vision_config ?? {}) as Record<string, unknown>;
    const size = positiveInt(vision.image_size);
    const patch = positiveInt(vision.patch_size);
    // PaliGemmaProcessor reads image_seq_length from the image processor; the config repeats it.
    const seqLen =
      positiveInt(processorJson.image_seq_length) ??
      positiveInt(text.num_image_tokens) ??
      (size !== undefined && patch !== undefined ? (size / patch) ** 2 : undefined);
    if (seqLen === undefined) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${file}: no image_seq_length (nor vision_config image_size/patch_size)`,
        {
          details: { file },
        },
      );
    }
    const tokenizer = await loadVlmTokenizer(files);
    const defaults = generationDefaults(folder, tokenizer);
    const imageTokenId = resolveImageTokenId(config, tokenizer, "<image>", file);
    const bos = tokenizer.bosTokenId;
    if (bos === undefined) {
      throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: the tokenizer has no BOS token`, {
        details: { file },
      });
    }
    const captionPrompt = options.captionPrompt ?? config.templates.caption ?? CAPTION_PROMPT;
    return withEmbedsSessions(options, paths, { vision: ["pixel_values"] }, (s, release) => ({
      family: NAME,
      tokenizer,
      defaults,
      config,
      kinds: ["caption", "question"],
      tasks: [],
      prepare(request, index) {
        if (request.kind !== "caption" && request.kind !== "question")
          return unsupportedKind(NAME, request, index);
        if (request.images.length === 0) {
          throw new ClipkitError(
            "INVALID_ARGUMENT",
            `request ${index}: a ${NAME} model needs at least one image`,
            {
              details: { argument: `requests[${index}].images` },
            },
          );
        }
        const prompt = request.kind === "caption" ? (request.prompt ?? captionPrompt) : request.question;
        // PaliGemmaProcessor: "<image>" × images · image_seq_length + BOS + prompt + "\n", no other special tokens.
        const ids = [
          ...new Array<number>(request.images.length * seqLen).fill(imageTokenId),
          bos,
          ...tokenizer.encode(`${prompt}\n`, { addSpecialTokens: false, truncation: false }),
        ];
        const batch = preprocessBatch(request.images, preprocess);
        const data: PixelData = { pixels: batch.data, dims: batch.dims };
        return { ids, positions: ids.length, batchKey: NAME, data };
      },
      start: (batch, useCache) =>
        startPaliGemma(s, batch, {
          useCache,
          hints: config.kv,
          imageTokenId,
          padTokenId: defaults.padTokenId ?? 0,
        }),
      release,
    }));
  },
};
