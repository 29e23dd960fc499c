import type { EmbeddingSpace } from "../embeddings.js";
import { ClipkitError, isClipkitError } from "../errors.js";
import { fnv1a64 } from "../zeroshot/hash.js";
import type { ZeroShotHead } from "../zeroshot/head.js";
import {
  ADAPTED_HEAD_FORMAT_VERSION,
  HEAD_MAGIC,
  type HeadFileHeader,
  loadHead,
  readHeadHeader,
  withHeaderHash,
} from "../zeroshot/persist.js";
import { AdaptedHead, type AdapterRecord } from "./head.js";

/** Name and shape of one float32 block of an adapted head file, in file order. */
export interface HeadTensor {
  readonly name: "weights" | "bias" | "prototypes" | "cacheKeys" | "cacheLabels";
  readonly shape: readonly number[];
}

/** Header of an adapted head file (format version 2). */
export interface AdaptedHeadFileHeader extends HeadFileHeader {
  readonly adapter: AdapterRecord;
  readonly tensors: readonly HeadTensor[];
  /** Tip-Adapter cache parameters (absent for probes). */
  readonly cache?: { readonly beta: number; readonly weight: number };
}

const PREFIX = 16;

function corrupt(message: string, details: Record<string, unknown> = {}): ClipkitError {
  return new ClipkitError("HEAD_CORRUPT", `adapted head file: ${message}`, { details });
}

function blocks(head: AdaptedHead): [HeadTensor, Float32Array][] {
  const c = head.labels.length;
  const d = head.space.dim;
  const out: [HeadTensor, Float32Array][] = [
    [{ name: "weights", shape: [c, d] }, head.weights],
    [{ name: "bias", shape: [c] }, head.bias],
    [{ name: "prototypes", shape: [c, d] }, head.prototypes],
  ];
  if (head.cache) {
    const n = head.cache.labels.length;
    out.push([{ name: "cacheKeys", shape: [n, d] }, head.cache.keys]);
    // Class indices stored as float32: exact for any realistic class count (< 2²⁴).
    out.push([{ name: "cacheLabels", shape: [n] }, Float32Array.from(head.cache.labels)]);
  }
  return out;
}

/**
 * Serialises an adapted head into clipkit's head file envelope (`CLIPHEAD`, format version 2):
 * magic, version, JSON header ({@link AdaptedHeadFileHeader}: labels, space, scoring, method,
 * shots, seed, hyper-parameters, tensor list, fnv1a64 checksum of every tensor byte), padding to
 * 4 bytes, then the float32 tensors little-endian, bit-exact.
 */
export function saveAdaptedHead(head: AdaptedHead, meta?: Readonly<Record<string, unknown>>): Uint8Array {
  const parts = blocks(head);
  const floats = parts.reduce((s, [, a]) => s + a.length, 0);
  const body = new Uint8Array(floats * 4);
  const view = new DataView(body.buffer);
  let o = 0;
  for (const [, a] of parts) for (let i = 0; i < a.length; i++, o += 4) view.setFloat32(o, a[i]!, true);
  const header: AdaptedHeadFileHeader = {
    labels: head.labels,
    space: head.space,
    scoring: head.scoring,
    promptsHash: head.promptsHash,
    weightsHash: fnv1a64(body),
    adapter: head.adapter,
    tensors: parts.map(([t]) => t),
    ...(head.cache ? { cache: { beta: head.cache.beta, weight: head.cache.weight } } : {}),
    ...(meta ? { meta } : {}),
  };
  // The header checksums itself (labels, adapter record, cache constants) like a zero-shot head's.
  const json = new TextEncoder().encode(withHeaderHash(JSON.stringify(header)));
  const start = PREFIX + json.length;
  const pad = (4 - (start % 4)) % 4;
  const out = new Uint8Array(start + pad + body.length);
  for (let i = 0; i < HEAD_MAGIC.length; i++) out[i] = HEAD_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, ADAPTED_HEAD_FORMAT_VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, PREFIX);
  out.set(body, start + pad);
  return out;
}

function checkAdapter(h: AdaptedHeadFileHeader): void {
  const a = h.adapter;
  const ok =
    typeof a === "object" &&
    a !== null &&
    ["probe", "zs-probe", "tip", "tip-f"].includes(a.method) &&
    typeof a.multiLabel === "boolean" &&
    Number.isInteger(a.shots) &&
    Number.isInteger(a.seed) &&
    typeof a.minCosine === "number" &&
    Array.isArray(h.tensors) &&
    h.tensors.every(
      (t) => typeof t?.name === "string" && Array.isArray(t.shape) && t.shape.every(Number.isInteger),
    );
  if (!ok) throw corrupt("the JSON header is missing or mistypes adapter fields");
}

/**
 * Decodes a head written by {@link saveAdaptedHead}. Throws `HEAD_CORRUPT` for anything that is not
 * an intact adapted head file (bad magic, unknown version, truncation, trailing bytes, checksum or
 * shape mismatch) and `SPACE_MISMATCH` when `options.space` names a different model space.
 */
export function loadAdaptedHead(bytes: Uint8Array, options: { space?: EmbeddingSpace } = {}): AdaptedHead {
  const header = readHeadHeader(bytes) as AdaptedHeadFileHeader & { version: number; weightsOffset: number };
  if (header.version !== ADAPTED_HEAD_FORMAT_VERSION) {
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      "head file: this is a zero-shot head; load it with loadHead or loadAnyHead",
      {
        details: { argument: "bytes", version: header.version },
      },
    );
  }
  checkAdapter(header);
  const floats = header.tensors.reduce((s, t) => s + t.shape.reduce((p, v) => p * v, 1), 0);
  const expected = header.weightsOffset + floats * 4;
  if (bytes.length !== expected) {
    throw corrupt(
      `${bytes.length < expected ? "truncated" : "trailing bytes"}: ${bytes.length} bytes, expected ${expected}`,
      {
        expected,
        actual: bytes.length,
      },
    );
  }
  const body = bytes.subarray(header.weightsOffset);
  if (fnv1a64(body) !== header.weightsHash) throw corrupt("tensor checksum mismatch");
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const tensors = new Map<string, Float32Array>();
  let o = 0;
  for (const t of header.tensors) {
    const count = t.shape.reduce((p, v) => p * v, 1);
    const a = new Float32Array(count);
    for (let i = 0; i < count; i++, o += 4) a[i] = view.getFloat32(o, true);
    tensors.set(t.name, a);
  }
  const need = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw corrupt(`tensor ${name} is missing`);
    return t;
  };
  let head: AdaptedHead;
  try {
    const keys = tensors.get("cacheKeys");
    head = new AdaptedHead({
      labels: header.labels,
      space: header.space,
      scoring: header.scoring,
      weights: need("weights"),
      bias: need("bias"),
      prototypes: need("prototypes"),
      promptsHash: header.promptsHash,
      adapter: header.adapter,
      ...(keys && header.cache
        ? {
            cache: {
              keys,
              labels: Int32Array.from(need("cacheLabels")),
              beta: header.cache.beta,
              weight: header.cache.weight,
            },
          }
        : {}),
    });
  } catch (error) {
    if (isClipkitError(error)) throw corrupt(error.message, { cause: error.code });
    throw error;
  }
  if (options.space) head.assertSpace(options.space, "loadAdaptedHead");
  return head;
}

/** Loads either kind of head file, dispatching on its format version. */
export function loadAnyHead(
  bytes: Uint8Array,
  options: { space?: EmbeddingSpace } = {},
): ZeroShotHead | AdaptedHead {
  return readHeadHeader(bytes).version === ADAPTED_HEAD_FORMAT_VERSION
    ? loadAdaptedHead(bytes, options)
    : loadHead(bytes, options);
}
