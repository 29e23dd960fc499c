import { invalid } from "./tokenizer-json.js";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * SentencePiece's compiled normalization rules (`precompiled_charsmap`, e.g. nmt_nfkc): a Darts
 * double-array trie over UTF-8 byte sequences whose leaves point into a blob of NUL-terminated
 * replacement strings. Applied like SentencePiece's normalizer: at each position the longest
 * matching rule wins; bytes no rule matches are copied one character at a time.
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

  // Longest rule matching bytes[start…]: [value, length] or undefined (Darts commonPrefixSearch).
  #longestMatch(bytes: Uint8Array, start: number): [number, number] | undefined {
    const units = this.#units;
    const offset = (unit: number) => (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    let pos = offset(units[0] ?? 0);
    let found: [number, number] | undefined;
    for (let i = start; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === 0) break;
      pos ^= byte;
      const unit = units[pos];
      // label() keeps bit 31 so leaf units never match a byte label.
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== byte) break;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) found = [(units[pos] ?? 0) & 0x7fffffff, i + 1 - start];
    }
    return found;
  }

  /** Normalizes `text` with the compiled rules. */
  normalize(text: string): string {
    const bytes = utf8Encoder.encode(text);
    const out: number[] = [];
    let i = 0;
    while (i < bytes.length) {
      const match = this.#longestMatch(bytes, i);
      if (match !== undefined) {
        for (let k = match[0]; k < this.#normalized.length && this.#normalized[k] !== 0; k++)
          out.push(this.#normalized[k]!);
        i += match[1];
        continue;
      }
      // Copy one UTF-8 character (TextEncoder output is always valid UTF-8).
      const lead = bytes[i]!;
      const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      for (let k = 0; k < length; k++) out.push(bytes[i + k]!);
      i += length;
    }
    return utf8Decoder.decode(Uint8Array.from(out));
  }
}
