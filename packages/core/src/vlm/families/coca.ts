/**
 * CoCa (open_clip `CoCa`, e.g. `coca_ViT-B-32`) captioning, following open_clip 3.3's
 * `CoCa.generate` with `generation_type="top_k", top_k=1` (greedy): `[SOT]` prompt, the whole
 * prefix re-encoded every step, EOS blocked while the sequence (SOT included) is shorter than
 * `min_seq_len` = 5, EOS forced as token `seq_len` = 30. Text and pixels follow open_clip too:
 * the folder's `open_clip_config.json` (image_transform_v2 settings, tokenizer cleaning) and
 * `tokenizer.json`, as `loadClipModel` reads them.
 *
 * open_clip's default beam search cannot be referenced (it needs transformers'
 * `BeamSearchScorer`, removed in transformers 5), so only greedy decoding is checked against it;
 * `numBeams > 1` runs clipkit's transformers-style beam search over the same logits, unverified.
 *
 * Layout (tools/fixtures/coca/build.py): an open_clip export folder plus a `config.json` marker
 * `{"model_type": "coca"}`, `onnx/vision_tokens.onnx` (pixel_values → image_tokens, the second
 * output of `CoCa._encode_image`) and `onnx/decoder_model.onnx` (input_ids [batch, context],
 * encoder_hidden_states = image_tokens → logits).
 */
import { expectTensor } from "../../backend/tensor.js";
import { ClipkitError } from "../../errors.js";
import { loadOpenClipTokenizer, OPEN_CLIP_CONFIG, parseOpenClipConfig } from "../../model/open-clip.js";
import { parseVlmConfig } from "../config.js";
import type { VlmFamily, VlmFolder, VlmModel } from "../family.js";
import { needTensors, onnxStem, withSessions } from "../folder.js";
import type { VlmLoadOptions } from "../options.js";
import { requestPixels, stackPixels, unsupportedKind } from "../pixels.js";
import { cocaDecoder } from "./coca-decoder.js";

const NAME = "coca";
/** open_clip `CoCa.generate` defaults. */
const SEQ_LEN = 30;
const MIN_SEQ_LEN = 5;

async function cocaGraphs(folder: VlmFolder): Promise<string[]> {
  return [await onnxStem(folder, "vision_tokens", NAME), await onnxStem(folder, "decoder_model", NAME)];
}

function special(id: number | undefined, name: string, file: string): number {
  if (id === undefined) {
    throw new ClipkitError("MODEL_CONFIG_INVALID", `${file}: the tokenizer has no ${name} token`, {
      details: { file },
    });
  }
  return id;
}

async function loadCoca(folder: VlmFolder, options: VlmLoadOptions): Promise<VlmModel> {
  const { files } = folder;
  const label = (path: string) => `${files.location}/${path}`;
  const openClip = parseOpenClipConfig(await files.readText(OPEN_CLIP_CONFIG), label(OPEN_CLIP_CONFIG));
  const tokenizer = await loadOpenClipTokenizer(files, openClip);
  const sot = special(tokenizer.bosTokenId, "start-of-text", label("tokenizer.json"));
  const eos = special(tokenizer.eosTokenId, "end-of-text", label("tokenizer.json"));
  // open_clip's pad_id (0): the decoder's padding, and generate's `pad_token_id`.
  const pad = tokenizer.padTokenId ?? 0;
  const config = parseVlmConfig(folder.config, label("config.json"));
  const defaults = {
    eosTokenIds: [eos],
    padTokenId: pad,
    maxNewTokens: SEQ_LEN - 1,
    extra: { minNewTokens: MIN_SEQ_LEN - 1 },
  };
  const [visionPath, decoderPath] = (await cocaGraphs(folder)) as [string, string];
  return withSessions(options, { vision: visionPath, decoder: decoderPath }, (s, release) => {
    const { vision, decoder } = s;
    needTensors(vision, label(visionPath), ["pixel_values"], "inputs");
    needTensors(vision, label(visionPath), ["image_tokens"], "outputs");
    needTensors(decoder, label(decoderPath), ["input_ids", "encoder_hidden_states"], "inputs");
    needTensors(decoder, label(decoderPath), ["logits"], "outputs");
    const context = decoder.inputs.find((i) => i.name === "input_ids")?.dims?.[1];
    if (typeof context !== "number" || context < SEQ_LEN) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${label(decoderPath)}: input_ids must have a fixed length ≥ ${SEQ_LEN}, got ${String(context)}`,
        { details: { file: label(decoderPath), tensor: "input_ids" } },
      );
    }
    return {
      family: NAME,
      tokenizer,
      defaults,
      config,
      kinds: ["caption"],
      tasks: [],
      prepare(request, index) {
        if (request.kind !== "caption") return unsupportedKind("CoCa captioning", request, index);
        if (request.prompt !== undefined) {
          // open_clip's `generate(text=...)` prefix has no reference here; refuse rather than guess.
          throw new ClipkitError("PROMPT_INVALID", `request ${index}: CoCa captions take no prompt`, {
            details: { argument: `requests[${index}].prompt`, family: NAME },
          });
        }
        const data = requestPixels(request, index, openClip.preprocess, NAME);
        return { ids: [sot], positions: 1, batchKey: "caption", data };
      },
      async start(batch) {
        const out = await vision.run({ pixel_values: stackPixels(batch) }, ["image_tokens"]);
        const tokens = expectTensor(out, "image_tokens", "float32", 3, label(visionPath));
        return cocaDecoder(
          decoder,
          tokens,
          batch.map((b) => b.ids),
          { context, seqLen: SEQ_LEN, eosTokenId: eos, padTokenId: pad, label: label(decoderPath) },
        );
      },
      release,
    };
  });
}

/** The CoCa family: an open_clip folder whose config.json says `model_type: "coca"`. */
export const cocaFamily: VlmFamily = {
  name: NAME,
  summary: "coca (open_clip CoCa: config.json model_type coca + onnx/vision_tokens + onnx/decoder_model)",
  matches: async (folder) => folder.modelType === NAME,
  graphs: cocaGraphs,
  load: loadCoca,
};
