import { ClipkitError } from "../errors.js";
import { crc32 } from "./crc32.js";

/** First 8 bytes of every clipkit index file. */
export const INDEX_MAGIC = "CLIPKIDX";
/** The newest file layout this build writes and reads. Older versions stay readable. */
export const INDEX_FORMAT_VERSION = 1;
const HEADER_BYTES = 40;

/** The decoded parts of an index file: fixed header fields, a JSON document, binary sections. */
export interface IndexFileParts {
  /** What wrote the file (`"flat"`, `"usearch"`, …); readers check it. */
  kind: string;
  dim: number;
  count: number;
  /** JSON-serialisable description: space, ids, metadata, options. */
  json: unknown;
  /** Raw binary blocks (vectors, codes, a native index image). */
  sections: Uint8Array[];
}

/**
 * Serialises an index file:
 *
 * | bytes | field |
 * |---|---|
 * | 0–7 | magic `CLIPKIDX` |
 * | 8–11 | format version (u32 LE) |
 * | 12–15 | dim (u32) |
 * | 16–19 | count (u32) |
 * | 20–23 | CRC-32 of everything after the header |
 * | 24–31 | payload length in bytes (u64) |
 * | 32–39 | reserved, zero |
 * | 40– | u32 JSON length, UTF-8 JSON `{kind, json, sections: [lengths]}`, then each section 8-byte aligned |
 */
export function encodeIndexFile(parts: IndexFileParts): Uint8Array {
  const meta = new TextEncoder().encode(
    JSON.stringify({ kind: parts.kind, json: parts.json, sections: parts.sections.map((s) => s.length) }),
  );
  let payload = align8(4 + meta.length);
  for (const s of parts.sections) payload = align8(payload + s.length);
  const out = new Uint8Array(HEADER_BYTES + payload);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = INDEX_MAGIC.charCodeAt(i);
  view.setUint32(8, INDEX_FORMAT_VERSION, true);
  view.setUint32(12, parts.dim, true);
  view.setUint32(16, parts.count, true);
  view.setBigUint64(24, BigInt(payload), true);
  view.setUint32(HEADER_BYTES, meta.length, true);
  out.set(meta, HEADER_BYTES + 4);
  let at = HEADER_BYTES + align8(4 + meta.length);
  for (const s of parts.sections) {
    out.set(s, at);
    at += align8(s.length);
  }
  view.setUint32(20, crc32(out.subarray(HEADER_BYTES)), true);
  return out;
}

/**
 * Parses and verifies an index file. Wrong magic, a short or over-long file, a checksum mismatch
 * or a malformed JSON part throw `INDEX_CORRUPT`; a newer format version throws
 * `INDEX_VERSION_UNSUPPORTED`. Sections are copies, so callers may keep them.
 */
export function decodeIndexFile(bytes: Uint8Array, expectedKind: string, source = "index"): IndexFileParts {
  const corrupt = (why: string): ClipkitError =>
    new ClipkitError("INDEX_CORRUPT", `${source} is not a valid clipkit index: ${why}`, {
      details: { source },
    });
  if (bytes.length < HEADER_BYTES)
    throw corrupt(`only ${bytes.length} bytes, the header alone is ${HEADER_BYTES}`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== INDEX_MAGIC.charCodeAt(i)) throw corrupt("bad magic bytes");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > INDEX_FORMAT_VERSION || version === 0) {
    throw new ClipkitError(
      "INDEX_VERSION_UNSUPPORTED",
      `${source} uses index format version ${version}; this clipkit reads up to ${INDEX_FORMAT_VERSION}`,
      { details: { source, version, supported: INDEX_FORMAT_VERSION } },
    );
  }
  if (view.getUint32(32, true) !== 0 || view.getUint32(36, true) !== 0)
    throw corrupt("reserved header bytes are set");
  const dim = view.getUint32(12, true);
  const count = view.getUint32(16, true);
  const payload = Number(view.getBigUint64(24, true));
  if (bytes.length !== HEADER_BYTES + payload) {
    throw corrupt(
      `expected ${HEADER_BYTES + payload} bytes, found ${bytes.length} (truncated or appended to)`,
    );
  }
  if (crc32(bytes.subarray(HEADER_BYTES)) !== view.getUint32(20, true)) throw corrupt("checksum mismatch");
  const metaLength = view.getUint32(HEADER_BYTES, true);
  let meta: { kind?: unknown; json?: unknown; sections?: unknown };
  try {
    meta = JSON.parse(
      new TextDecoder().decode(bytes.subarray(HEADER_BYTES + 4, HEADER_BYTES + 4 + metaLength)),
    );
  } catch (error) {
    throw new ClipkitError("INDEX_CORRUPT", `${source}: unreadable JSON part`, {
      cause: error,
      details: { source },
    });
  }
  if (meta.kind !== expectedKind)
    throw corrupt(`holds a "${String(meta.kind)}" index, expected "${expectedKind}"`);
  if (!Array.isArray(meta.sections) || !meta.sections.every((n) => Number.isInteger(n) && n >= 0)) {
    throw corrupt("bad section table");
  }
  const sections: Uint8Array[] = [];
  let at = HEADER_BYTES + align8(4 + metaLength);
  for (const length of meta.sections as number[]) {
    if (at + length > bytes.length) throw corrupt("section runs past the end of the file");
    sections.push(bytes.slice(at, at + length));
    at += align8(length);
  }
  return { kind: expectedKind, dim, count, json: meta.json, sections };
}

function align8(n: number): number {
  // Arithmetic, not `& ~7`: bit operators would wrap past 2 GiB.
  return Math.ceil(n / 8) * 8;
}
