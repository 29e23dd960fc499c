/**
 * The scoring record: what a hub load keeps in place of a combined graph it only needed for its
 * logit scale. A split export (`onnx/text_model.onnx` + `onnx/vision_model.onnx`) usually ships
 * `onnx/model.onnx` too, hundreds of MB whose only use to a split load is the trained
 * `exp(logit_scale)` (and SigLIP's bias), readable from the graph's structure (`logitConstants`).
 * The hub resolver reads that structure with ranged requests and writes
 * `<graph>.clipkit-scoring.json` (e.g. `onnx/model.onnx.clipkit-scoring.json`) into the snapshot.
 * A record speaks for one graph at one commit: one for another graph, another commit (the snapshot
 * folder is named by its commit) or with unreadable fields is ignored, never trusted.
 */
import type { ModelFiles } from "../backend/session.js";
import { isClipkitError } from "../errors.js";
import { scoringFromConstants } from "../model/scoring.js";

/** The file name suffix appended to the graph's path. */
export const SCORING_RECORD_SUFFIX = ".clipkit-scoring.json";

/** The constants of one combined graph, as the hub resolver read them from its structure. */
export interface ScoringRecord {
  /** Always 1 (a record of another format is ignored). */
  readonly format: 1;
  /** Repo path of the combined graph the constants come from, e.g. `"onnx/model.onnx"`. */
  readonly graph: string;
  /** The repo commit the graph was read at (the snapshot folder's name). */
  readonly commit: string;
  /** The graph's LFS sha256 (or git blob id) from the repo listing, when it gave one. */
  readonly etag?: string;
  /** The graph's size in bytes. */
  readonly size?: number;
  /** `exp(logit_scale)` as the graph multiplies the cosines by. */
  readonly scale: number;
  /** SigLIP's logit bias. */
  readonly bias?: number;
}

/** Where the record for `graph` lives in a snapshot: `onnx/model.onnx` → `onnx/model.onnx.clipkit-scoring.json`. */
export function scoringRecordPath(graph: string): string {
  return `${graph}${SCORING_RECORD_SUFFIX}`;
}

/** The record as written (stable key order, one trailing newline). */
export function formatScoringRecord(record: ScoringRecord): string {
  const { format, graph, commit, etag, size, scale, bias } = record;
  return `${JSON.stringify({ format, graph, commit, etag, size, scale, bias }, null, 2)}\n`;
}

/** The combined graph a scan read, as {@link scoringRecordFromScan} records it. */
export interface ScannedGraph {
  readonly modelType: "clip" | "siglip";
  /** Repo path of the combined graph, e.g. `"onnx/model.onnx"`. */
  readonly graph: string;
  /** The repo commit the graph was read at. */
  readonly commit: string;
  /** The graph's LFS sha256 (or git blob id); left out of the record when `undefined`. */
  readonly etag?: string | undefined;
  /** The graph's size in bytes. */
  readonly size?: number | undefined;
  /** Names the graph in errors (its URL). */
  readonly label: string;
}

/**
 * The record of the constants `logitConstants` read from a remote graph's structure, shared by the
 * Node and browser hub loaders: `undefined` when there are none or they do not fit the model type
 * (`scoringFromConstants` answers `undefined` or rejects them as `MODEL_CONFIG_INVALID`), so that
 * only constants the loader will accept are recorded. Other errors are thrown.
 */
export function scoringRecordFromScan(
  constants: { scale: number; bias?: number } | undefined,
  scan: ScannedGraph,
): ScoringRecord | undefined {
  let fits: boolean;
  try {
    fits = scoringFromConstants(scan.modelType, constants, scan.label) !== undefined;
  } catch (error) {
    if (isClipkitError(error, "MODEL_CONFIG_INVALID")) return undefined;
    throw error;
  }
  if (!constants || !fits) return undefined;
  return {
    format: 1,
    graph: scan.graph,
    commit: scan.commit,
    ...(scan.etag === undefined ? {} : { etag: scan.etag }),
    ...(scan.size === undefined ? {} : { size: scan.size }),
    scale: constants.scale,
    ...(constants.bias === undefined ? {} : { bias: constants.bias }),
  };
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * The record in `text` when it is well formed and speaks for `graph` at `commit`; `undefined`
 * otherwise (corrupt JSON, another format, graph or commit, a scale that is not a positive number).
 */
export function parseScoringRecord(
  text: string,
  expected: { graph: string; commit: string },
): ScoringRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (r.format !== 1 || r.graph !== expected.graph || r.commit !== expected.commit) return undefined;
  if (!finite(r.scale) || r.scale <= 0) return undefined;
  if (r.bias !== undefined && !finite(r.bias)) return undefined;
  if (r.etag !== undefined && typeof r.etag !== "string") return undefined;
  if (r.size !== undefined && !(finite(r.size) && r.size >= 0)) return undefined;
  return {
    format: 1,
    graph: expected.graph,
    commit: expected.commit,
    ...(r.etag === undefined ? {} : { etag: r.etag as string }),
    ...(r.size === undefined ? {} : { size: r.size as number }),
    scale: r.scale,
    ...(r.bias === undefined ? {} : { bias: r.bias as number }),
  };
}

/** The last path segment of `location` (a hub snapshot folder is named by its commit). */
function folderName(location: string): string {
  return (
    location
      .split(/[\\/]/)
      .filter((s) => s.length > 0)
      .at(-1) ?? ""
  );
}

/**
 * Reads the record for `graph` from a snapshot folder: the record when present and valid for this
 * folder (its commit is the folder's name), `"invalid"` when a record file is there but does not
 * fit (corrupt, another commit or graph), `undefined` when there is none.
 */
export async function readScoringRecord(
  files: ModelFiles,
  graph: string,
): Promise<ScoringRecord | "invalid" | undefined> {
  const path = scoringRecordPath(graph);
  if (!(await files.exists(path))) return undefined;
  let text: string;
  try {
    text = await files.readText(path);
  } catch {
    return "invalid";
  }
  return parseScoringRecord(text, { graph, commit: folderName(files.location) }) ?? "invalid";
}
