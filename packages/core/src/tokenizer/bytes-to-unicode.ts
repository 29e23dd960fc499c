/**
 * GPT-2 / CLIP byte ↔ unicode table: every byte gets a printable character so BPE vocabularies
 * can be stored as text. Printable Latin-1 bytes map to themselves, the other 68 bytes to
 * U+0100 onwards, in byte order.
 */
function buildTable(): { order: number[]; chars: string[] } {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const chars = new Array<string>(256);
  for (const b of printable) chars[b] = String.fromCharCode(b);
  let next = 0;
  const order = [...printable];
  for (let b = 0; b < 256; b++) {
    if (chars[b] !== undefined) continue;
    chars[b] = String.fromCharCode(256 + next++);
    order.push(b);
  }
  return { order, chars };
}

const TABLE = buildTable();

/** `BYTE_TO_UNICODE[b]` is the character standing for byte `b`. */
export const BYTE_TO_UNICODE: readonly string[] = TABLE.chars;

/**
 * Bytes in the order openai/CLIP's `bytes_to_unicode().values()` lists them, which is the order
 * of the first 256 vocabulary entries.
 */
export const BYTE_VOCAB_ORDER: readonly number[] = TABLE.order;

/** Inverse of {@link BYTE_TO_UNICODE}. */
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(
  TABLE.chars.map((ch, byte) => [ch, byte] as const),
);

const utf8 = new TextEncoder();

/** UTF-8 encodes `text` and spells each byte with its table character. */
export function bytesToUnicode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // ASCII is one byte; skipping TextEncoder for it saves most of the cost on cache misses.
    if (code >= 0x80) return encodeAll(text);
    out += BYTE_TO_UNICODE[code]!;
  }
  return out;
}

function encodeAll(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) out += BYTE_TO_UNICODE[byte]!;
  return out;
}

/** Turns table characters back into bytes; characters outside the table are UTF-8 encoded as is. */
export function unicodeToBytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const ch of text) {
    const byte = UNICODE_TO_BYTE.get(ch);
    if (byte !== undefined) bytes.push(byte);
    else bytes.push(...utf8.encode(ch));
  }
  return Uint8Array.from(bytes);
}
