import type { EmbeddingSpace } from "../embeddings.js";
import { ClipkitError, isClipkitError } from "../errors.js";
import type { Scoring } from "../model/types.js";
import { fnv1a64 } from "./hash.js";
import { ZeroShotHead } from "./head.js";

/**
 * Head file layout (all integers little-endian):
 *
 * | bytes | content |
 * |---|---|
 * | 8 | magic `CLIPHEAD` |
 * | 4 | format version (uint32, currently 1) |
 * | 4 | header length H (uint32) |
 * | H | UTF-8 JSON {@link HeadFileHeader} |
 * | 0–3 | zero padding so the weights start 4-byte aligned |
 * | 4·classes·dim | float32 weights, row-major |
 *
 * The file ends exactly after the weights, so truncation is always detected; the header carries a
 * checksum of the weight bytes and, as its last key, `headerHash` over the header's own bytes, so
 * bit rot anywhere is too — a flipped byte in a label ("rocket" → "pocket") or in the scoring
 * constants is `HEAD_CORRUPT`, never a silently different head.
 */
export const HEAD_MAGIC = "CLIPHEAD";
/** Current head file format version (zero-shot heads). */
export const HEAD_FORMAT_VERSION = 1;
/**
 * Version of adapted (few-shot trained) head files: the same envelope, a header that adds
 * `adapter` (method, shots, seed, hyper-parameters) and `tensors` (name and shape of each float32
 * block after the header, in order), and `weightsHash` over all those blocks. Read them with
 * `loadAdaptedHead` / `loadAnyHead` (`adapt/persist.ts`).
 */
export const ADAPTED_HEAD_FORMAT_VERSION = 2;

/** The JSON header of a head file. */
export interface HeadFileHeader {
  readonly labels: readonly string[];
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  readonly promptsHash: string;
  /** fnv1a64 of the weight bytes. */
  readonly weightsHash: string;
  /** fnv1a64 of the header's own JSON bytes before this key (always written last; checked on read). */
  readonly headerHash?: string;
  /** Free-form provenance (templates name, tool version, date); round-tripped untouched. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

const PREFIX = 16;

const HEADER_HASH = /,"headerHash":"([0-9a-f]{16})"\}$/;
const utf8 = new TextEncoder();

/** Appends `"headerHash"` (fnv1a64 of the JSON text before it, closed with `}`) as the last key. */
export function withHeaderHash(json: string): string {
  return `${json.slice(0, -1)},"headerHash":"${fnv1a64(utf8.encode(json))}"}`;
}

/** Checks the raw header text against its `headerHash`; the hash covers the exact bytes written. */
function checkHeaderHash(text: string): void {
  const m = HEADER_HASH.exec(text);
  if (!m)
    throw corrupt("the JSON header has no header checksum (written by an older clipkit: rebuild the head)");
  const body = `${text.slice(0, m.index)}}`;
  if (fnv1a64(utf8.encode(body)) !== m[1]) {
    throw corrupt("header checksum mismatch: labels, space or scoring were altered");
  }
}

function corrupt(message: string, details: Record<string, unknown> = {}): ClipkitError {
  return new ClipkitError("HEAD_CORRUPT", `head file: ${message}`, { details });
}

function weightsToBytes(weights: Float32Array): Uint8Array {
  const out = new Uint8Array(weights.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < weights.length; i++) view.setFloat32(i * 4, weights[i]!, true);
  return out;
}

/** Serialises a head (weights bit-exact) with optional provenance `meta`. */
export function saveHead(head: ZeroShotHead, meta?: Readonly<Record<string, unknown>>): Uint8Array {
  const weightBytes = weightsToBytes(head.weights);
  const header: HeadFileHeader = {
    labels: head.labels,
    space: head.space,
    scoring: head.scoring,
    promptsHash: head.promptsHash,
    weightsHash: fnv1a64(weightBytes),
    ...(meta ? { meta } : {}),
  };
  const json = new TextEncoder().encode(withHeaderHash(JSON.stringify(header)));
  const start = PREFIX + json.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + weightBytes.length);
  for (let i = 0; i < HEAD_MAGIC.length; i++) out[i] = HEAD_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, HEAD_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREFIX);
  out.set(weightBytes, start + pad);
  return out;
}

/** Options for {@link loadHead}. */
export interface LoadHeadOptions {
  /** When given, the head must belong to this model space (`SPACE_MISMATCH` otherwise). */
  space?: EmbeddingSpace;
}

/** Reads the header of a head file without decoding the weights (for `clipkit head info`). */
export function readHeadHeader(
  bytes: Uint8Array,
): HeadFileHeader & { version: number; weightsOffset: number } {
  if (bytes.length < PREFIX) throw corrupt(`only ${bytes.length} bytes, too short for a head file`);
  for (let i = 0; i < HEAD_MAGIC.length; i++) {
    if (bytes[i] !== HEAD_MAGIC.charCodeAt(i)) throw corrupt("bad magic: not a clipkit head file");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== HEAD_FORMAT_VERSION && version !== ADAPTED_HEAD_FORMAT_VERSION) {
    throw corrupt(
      `format version ${version} is not supported (this clipkit reads ${HEAD_FORMAT_VERSION} and ${ADAPTED_HEAD_FORMAT_VERSION})`,
      {
        version,
      },
    );
  }
  const length = view.getUint32(12, true);
  if (PREFIX + length > bytes.length) throw corrupt("truncated in the JSON header", { length });
  let header: HeadFileHeader;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + length));
    header = JSON.parse(text);
  } catch (error) {
    throw new ClipkitError("HEAD_CORRUPT", "head file: the JSON header does not parse", { cause: error });
  }
  checkHeaderHash(text);
  checkHeader(header);
  const start = PREFIX + length;
  return { ...header, version, weightsOffset: start + ((4 - (start % 4)) % 4) };
}

function checkHeader(h: HeadFileHeader): void {
  const ok =
    typeof h === "object" &&
    h !== null &&
    Array.isArray(h.labels) &&
    h.labels.every((l) => typeof l === "string") &&
    typeof h.space?.id === "string" &&
    Number.isInteger(h.space?.dim) &&
    h.space.dim > 0 &&
    (h.scoring?.kind === "softmax" || h.scoring?.kind === "sigmoid") &&
    typeof h.weightsHash === "string" &&
    typeof h.promptsHash === "string";
  if (!ok) throw corrupt("the JSON header is missing or mistypes required fields");
}

/**
 * Decodes a head written by {@link saveHead}. Throws `HEAD_CORRUPT` for anything that is not an
 * intact head file (bad magic, unknown version, truncation, trailing bytes, checksum mismatch) and
 * `SPACE_MISMATCH` when `options.space` names a different model space.
 */
export function loadHead(bytes: Uint8Array, options: LoadHeadOptions = {}): ZeroShotHead {
  const header = readHeadHeader(bytes);
  if (header.version === ADAPTED_HEAD_FORMAT_VERSION) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      "head file: this is an adapted (few-shot trained) head; load it with loadAdaptedHead or loadAnyHead",
      { details: { argument: "bytes", version: header.version } },
    );
  }
  const { labels, space } = header;
  const expected = header.weightsOffset + labels.length * space.dim * 4;
  if (bytes.length !== expected) {
    throw corrupt(
      `${bytes.length < expected ? "truncated" : "trailing bytes"}: ${bytes.length} bytes, expected ${expected}`,
      { expected, actual: bytes.length },
    );
  }
  const weightBytes = bytes.subarray(header.weightsOffset);
  if (fnv1a64(weightBytes) !== header.weightsHash) throw corrupt("weights checksum mismatch");
  const view = new DataView(weightBytes.buffer, weightBytes.byteOffset, weightBytes.byteLength);
  const weights = new Float32Array(labels.length * space.dim);
  for (let i = 0; i < weights.length; i++) weights[i] = view.getFloat32(i * 4, true);
  let head: ZeroShotHead;
  try {
    head = new ZeroShotHead({
      labels,
      weights,
      space,
      scoring: header.scoring,
      promptsHash: header.promptsHash,
    });
  } catch (error) {
    if (isClipkitError(error)) throw corrupt(error.message, { cause: error.code });
    throw error;
  }
  if (options.space) head.assertSpace(options.space, "loadHead");
  return head;
}
