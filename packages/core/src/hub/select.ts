/**
 * Which files of a repo a load needs, decided by core's own resolvers (`resolveClipLayout`,
 * `detectVlmFamily`) run over the repo listing: the download selects exactly what the loader
 * will open, never the 20 graph variants a hub export carries.
 */
import type { ModelFiles } from "../backend/session.js";
import { ClipkitError, isClipkitError } from "../errors.js";
import { type ModelDtype, onnxPath } from "../model/dtype.js";
import { checkExternalLocation, externalDataLocations } from "../model/external-data.js";
import { type GraphFile, resolveClipLayout } from "../model/resolve.js";
import { openVlmFolder } from "../vlm/folder.js";
import { detectVlmFamily } from "../vlm/model.js";
import { readScoringRecord, scoringRecordPath } from "./scoring-record.js";

/** What the files are for: a CLIP/SigLIP model, a captioner/VQA model, or whichever the config says. */
export type HubModelKind = "clip" | "vlm" | "auto";

/** How the caller will load the model (only what changes the file selection). */
export interface HubSelection {
  /** Default `"auto"`: `config.json`'s `model_type` clip/siglip → `"clip"`, otherwise `"vlm"`. */
  kind?: HubModelKind;
  /** Weight format (default `"fp32"`). */
  dtype?: ModelDtype;
  /** CLIP/SigLIP: force split or combined graphs. */
  layout?: "split" | "combined";
  /** CLIP/SigLIP split layouts: also fetch the combined graph, which calibrates the logit scale (default `true`). */
  calibrateScoring?: boolean;
}

/** Small files any loader may read; those the repo has are always selected. */
export const CONFIG_FILES = [
  "config.json",
  "generation_config.json",
  "preprocessor_config.json",
  "processor_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.json",
  "chat_template.jinja",
  "added_tokens.json",
  "open_clip_config.json",
] as const;

// Name-based external data (`X.onnx_data`, `X.onnx_data_1`… from the resolver, and torch's
// `X.onnx.data`), known from the listing alone; {@link recordedExternalData} finds the rest.
const graphFiles = (g: GraphFile): string[] => [g.path, ...g.externalData];

async function modelType(files: ModelFiles): Promise<string | undefined> {
  if (!(await files.exists("config.json"))) return undefined;
  try {
    const type = (JSON.parse(await files.readText("config.json")) as { model_type?: unknown }).model_type;
    return typeof type === "string" ? type : undefined;
  } catch {
    return undefined;
  }
}

async function vlmGraphs(files: ModelFiles, dtype: ModelDtype | undefined): Promise<string[]> {
  const folder = await openVlmFolder(files, dtype, { generationConfig: false });
  const paths = await (await detectVlmFamily(folder)).graphs(folder);
  const out: string[] = [];
  for (const p of paths) {
    out.push(p);
    if (await files.exists(`${p}_data`)) out.push(`${p}_data`);
    for (let i = 1; await files.exists(`${p}_data_${i}`); i++) out.push(`${p}_data_${i}`);
  }
  return out;
}

/** What a load with a selection reads, and which of it only calibrates the scoring. */
export interface ModelFilePlan {
  /** Every repo path the load reads (what {@link selectModelFiles} returns). */
  readonly files: string[];
  /**
   * Split layouts: the combined graph (and its weights files), in `files`, wanted only for its
   * logit constants, which a hub resolver may read remotely instead (see `ScoringRecord`).
   */
  readonly calibration?: {
    readonly graph: string;
    readonly files: readonly string[];
    /** How the constants are read (`scoringFromConstants`). */
    readonly modelType: "clip" | "siglip";
  };
}

/**
 * {@link selectModelFiles} with the calibration-only graph named. Over a snapshot that holds a
 * valid scoring record instead of the combined graph, the record is selected; a record that does
 * not fit the snapshot (corrupt, another commit) makes the file set incomplete
 * (`MODEL_FILE_MISSING`), so it is fetched again rather than trusted or silently skipped.
 */
export async function planModelFiles(
  files: ModelFiles,
  selection: HubSelection = {},
): Promise<ModelFilePlan> {
  const configs: string[] = [];
  for (const f of CONFIG_FILES) if (await files.exists(f)) configs.push(f);
  let kind = selection.kind ?? "auto";
  if (kind === "auto") {
    const type = await modelType(files);
    kind = type === "clip" || type === "siglip" ? "clip" : "vlm";
  }
  if (kind === "vlm") return { files: [...configs, ...(await vlmGraphs(files, selection.dtype))] };
  const layout = await resolveClipLayout(files, {
    ...(selection.dtype ? { dtype: selection.dtype } : {}),
    ...(selection.layout ? { prefer: selection.layout } : {}),
  });
  const calibrate = selection.calibrateScoring !== false;
  const withData = async (paths: readonly string[]): Promise<string[]> => {
    const out = [...paths];
    for (const g of paths) {
      if (g.endsWith(".onnx") && (await files.exists(`${g}.data`))) out.push(`${g}.data`);
    }
    return out;
  };
  const graphs = new Set(await withData([...graphFiles(layout.text), ...graphFiles(layout.vision)]));
  let calibration: ModelFilePlan["calibration"];
  if (layout.combined && calibrate) {
    const combined = await withData(graphFiles(layout.combined));
    if (layout.kind === "split")
      calibration = { graph: layout.combined.path, files: combined, modelType: layout.config.modelType };
    for (const p of combined) graphs.add(p);
  } else if (layout.scoringRecord && calibrate) {
    graphs.add(scoringRecordPath(layout.scoringRecord.graph));
  } else if (layout.kind === "split" && calibrate) {
    const graph = onnxPath("model", layout.dtype);
    if ((await readScoringRecord(files, graph)) === "invalid") {
      throw new ClipkitError(
        "MODEL_FILE_MISSING",
        `${files.location}/${scoringRecordPath(graph)} does not fit this snapshot (corrupt, or another commit's); it is not used`,
        { details: { file: scoringRecordPath(graph), location: files.location } },
      );
    }
  }
  return { files: [...configs, ...graphs], ...(calibration ? { calibration } : {}) };
}

/**
 * The repo paths a load with `selection` reads: the config files present plus the chosen graphs and
 * their external data. `files` answers `exists` from the listing and `readText` for `config.json`.
 * Throws what the core resolver throws (`MODEL_FILE_MISSING` naming the dtypes the repo has,
 * `MODEL_LAYOUT_UNSUPPORTED`).
 */
export async function selectModelFiles(files: ModelFiles, selection: HubSelection = {}): Promise<string[]> {
  return (await planModelFiles(files, selection)).files;
}

/**
 * The external-data files graph `path` records (any name, sub-folders included), as paths from
 * the repo root — what the loader will read (`readGraph`). Reads the graph through `files`.
 * Throws `MODEL_LAYOUT_UNSUPPORTED` for unreadable graphs or locations outside the folder.
 */
export async function recordedExternalData(files: ModelFiles, path: string): Promise<string[]> {
  const label = `${files.location}/${path}`;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  return externalDataLocations(await files.read(path), label).map(
    (l) => dir + checkExternalLocation(l, label),
  );
}

/** True for the failures that mean "this file set is incomplete" (rather than "broken"). */
export function isMissingFiles(error: unknown): boolean {
  return isClipkitError(error, "MODEL_FILE_MISSING") || isClipkitError(error, "MODEL_LAYOUT_UNSUPPORTED");
}
