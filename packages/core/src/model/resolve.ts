import type { ModelFiles } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { readScoringRecord, type ScoringRecord } from "../hub/scoring-record.js";
import { type ModelConfig, parseModelConfig } from "./config.js";
import { MODEL_DTYPES, type ModelDtype, onnxPath } from "./dtype.js";
import { isOpenClipFolder, OPEN_CLIP_CONFIG, parseOpenClipConfig } from "./open-clip.js";

/** One ONNX graph of a model folder and the external-data files it needs. */
export interface GraphFile {
  /** Path inside the folder, e.g. `"onnx/text_model.onnx"`. */
  readonly path: string;
  /** `X.onnx_data` (and `X.onnx_data_1`, … when the export chunked it), relative to the folder. */
  readonly externalData: readonly string[];
}

/**
 * Which files make up a CLIP/SigLIP model folder. Pure data: nothing is loaded yet, so this is
 * cheap to compute, log and test, and construction ({@link createClipModel}) stays separate.
 */
export interface ClipLayout {
  readonly config: ModelConfig;
  readonly dtype: ModelDtype;
  /** `"split"`: one graph per tower; `"combined"`: one graph with both towers (`onnx/model.onnx`). */
  readonly kind: "split" | "combined";
  /** Text tower graph: `text_model` for split exports, the combined graph otherwise. */
  readonly text: GraphFile;
  /** Vision tower graph: `vision_model` for split exports, the combined graph otherwise. */
  readonly vision: GraphFile;
  /** The combined graph when the folder has one, also for split layouts (it carries the trained logit scale). */
  readonly combined?: GraphFile;
  /**
   * Split layouts whose combined graph is absent but was read by the hub resolver: its logit
   * constants, from `<graph>.clipkit-scoring.json` in the snapshot (see {@link ScoringRecord};
   * only a record of this graph at this snapshot's commit counts).
   */
  readonly scoringRecord?: ScoringRecord;
}

/** Options for {@link resolveClipLayout}. */
export interface ResolveOptions {
  /** Weight format to pick (default `"fp32"`). */
  dtype?: ModelDtype;
  /** Force one layout; by default split towers win when both exist (smaller sessions). */
  prefer?: "split" | "combined";
}

const STEMS = ["text_model", "vision_model", "model"] as const;

async function externalDataOf(files: ModelFiles, path: string): Promise<string[]> {
  const found: string[] = [];
  if (await files.exists(`${path}_data`)) found.push(`${path}_data`);
  // transformers.js splits data over 2 GB into `X.onnx_data_1`, `X.onnx_data_2`, …
  for (let i = 1; found.length > 0 && (await files.exists(`${path}_data_${i}`)); i++) {
    found.push(`${path}_data_${i}`);
  }
  return found;
}

async function graph(files: ModelFiles, path: string): Promise<GraphFile> {
  return { path, externalData: await externalDataOf(files, path) };
}

/** Lists every dtype the folder has a usable graph set for (both towers, or the combined graph). */
export async function availableDtypes(files: ModelFiles): Promise<ModelDtype[]> {
  const out: ModelDtype[] = [];
  for (const dtype of MODEL_DTYPES) {
    const [text, vision, model] = await Promise.all(STEMS.map((s) => files.exists(onnxPath(s, dtype))));
    if ((text && vision) || model) out.push(dtype);
  }
  return out;
}

/**
 * `open_clip_config.json` of an open_clip export (see `isOpenClipFolder`: a CoCa export may carry
 * a `model_type: "coca"` config.json for the VLM loader), else `config.json` (transformers).
 */
async function readModelConfig(files: ModelFiles): Promise<ModelConfig> {
  if ((await files.exists("config.json")) && !(await isOpenClipFolder(files))) {
    return parseModelConfig(await files.readText("config.json"), `${files.location}/config.json`);
  }
  if (await files.exists(OPEN_CLIP_CONFIG)) {
    const text = await files.readText(OPEN_CLIP_CONFIG);
    return parseOpenClipConfig(text, `${files.location}/${OPEN_CLIP_CONFIG}`).model;
  }
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `${files.location}: config.json is missing (nor is there an ${OPEN_CLIP_CONFIG})`,
    { details: { file: "config.json", location: files.location } },
  );
}

/**
 * Reads `config.json` (or an open_clip export's `open_clip_config.json`) and picks the ONNX files for `dtype`. Throws `MODEL_FILE_MISSING` naming
 * the files looked for and the dtypes the folder does have.
 */
export async function resolveClipLayout(
  files: ModelFiles,
  options: ResolveOptions = {},
): Promise<ClipLayout> {
  const dtype = options.dtype ?? "fp32";
  const config = await readModelConfig(files);
  const [textPath, visionPath, modelPath] = STEMS.map((s) => onnxPath(s, dtype)) as [string, string, string];
  const [hasText, hasVision, hasModel] = await Promise.all(
    [textPath, visionPath, modelPath].map((p) => files.exists(p)),
  );
  const combined = hasModel ? await graph(files, modelPath) : undefined;
  const split = hasText && hasVision && options.prefer !== "combined";
  if (split) {
    // A hub snapshot may hold the combined graph's constants instead of the graph.
    const recorded = combined ? undefined : await readScoringRecord(files, modelPath);
    return {
      config,
      dtype,
      kind: "split",
      text: await graph(files, textPath),
      vision: await graph(files, visionPath),
      ...(combined ? { combined } : {}),
      ...(typeof recorded === "object" ? { scoringRecord: recorded } : {}),
    };
  }
  if (combined && options.prefer !== "split") {
    return { config, dtype, kind: "combined", text: combined, vision: combined, combined };
  }
  const have = await availableDtypes(files);
  const wanted =
    options.prefer === "split"
      ? `${textPath} + ${visionPath}`
      : `${textPath} + ${visionPath}, or ${modelPath}`;
  throw new ClipkitError(
    "MODEL_FILE_MISSING",
    `${files.location}: no ${dtype} graphs (looked for ${wanted}); ` +
      (have.length > 0 ? `the folder has dtype ${have.join(", ")}` : "the folder has no onnx/*.onnx graphs"),
    {
      details: {
        location: files.location,
        dtype,
        looked: [textPath, visionPath, modelPath],
        available: have,
      },
    },
  );
}
