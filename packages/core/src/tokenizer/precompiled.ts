import { invalid } from "./tokenizer-json.js";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// Made on first use: building a grapheme segmenter loads ICU's break rules (50–85 ms measured in
// a fresh Node process), which every importer of @clipkit/core would pay at import time.
let segmenter: Intl.Segmenter | undefined;

function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

// Extended grapheme clusters; printable ASCII (and CR LF) needs no segmenter.
function* graphemes(text: string): Generator<string> {
  let ascii = true;
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80;
  if (ascii) {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "\r" && text[i + 1] === "\n") {
        yield "\r\n";
        i++;
      } else yield text[i]!;
    }
    return;
  }
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of segmenter.segment(text)) yield segment;
}

/**
 * SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g. nmt_nfkc): a Darts
 * double-array trie over UTF-8 byte sequences whose leaves point into a blob of NUL-terminated
 * replacement strings, applied the way Hugging Face tokenizers applies it (see
 * {@link PrecompiledCharsMap.normalizeGraphemes}).
 */
export class PrecompiledCharsMap {
  readonly #units: Uint32Array;
  readonly #normalized: Uint8Array;

  /** @param base64 the `precompiled_charsmap` string of a tokenizer.json `Precompiled` normalizer */
  constructor(base64: string, field: string) {
    let blob: Uint8Array = new Uint8Array(0);
    try {
      blob = base64ToBytes(base64);
    } catch (cause) {
      invalid(field, `precompiled_charsmap is not base64: ${String(cause)}`);
    }
    if (blob.length < 4) invalid(field, "precompiled_charsmap is too short");
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length)
      invalid(field, "precompiled_charsmap has a bad trie size");
    this.#units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.#units.length; i++) this.#units[i] = view.getUint32(4 + 4 * i, true);
    this.#normalized = blob.subarray(4 + trieSize);
  }

  // The shortest rule matching a prefix of bytes[start…end): [value, length] or undefined (Darts
  // commonPrefixSearch; spm_precompiled's `transform` takes its first result).
  #firstMatch(bytes: Uint8Array, start: number, end: number): [number, number] | undefined {
    const units = this.#units;
    const offset = (unit: number) => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    let pos = offset(units[0] ?? 0);
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === 0) break;
      pos ^= byte;
      const unit = units[pos];
      // label() keeps bit 31 so leaf units never match a byte label.
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== byte) break;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) return [(units[pos] ?? 0) & 0x7fffffff, i + 1 - start];
    }
    return undefined;
  }

  #replacement(value: number): string {
    let end = value;
    while (end < this.#normalized.length && this.#normalized[end] !== 0) end++;
    return utf8Decoder.decode(this.#normalized.subarray(value, end));
  }

  // spm_precompiled's `transform`: the first (shortest) rule matching a prefix of `chunk`
  // replaces the whole chunk.
  #transform(chunk: string): string | undefined {
    const bytes = utf8Encoder.encode(chunk);
    const match = this.#firstMatch(bytes, 0, bytes.length);
    return match === undefined ? undefined : this.#replacement(match[0]);
  }

  /**
   * Normalizes like Hugging Face tokenizers' `Precompiled` normalizer: per extended grapheme
   * cluster, a cluster under 6 UTF-8 bytes is replaced whole when a rule matches its start;
   * otherwise each character is replaced by its own rule or kept.
   */
  normalizeGraphemes(text: string): string {
    let out = "";
    for (const grapheme of graphemes(text)) {
      if (utf8Length(grapheme) < 6) {
        const whole = this.#transform(grapheme);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const ch of grapheme) out += this.#transform(ch) ?? ch;
    }
    return out;
  }
}
