import { SINGLE_BYTE_OF } from "./cp1252.js";

// Characters that Latin-1 / Windows-1252 produce for UTF-8 continuation bytes 0x80–0xBF.
const CONTINUATION = (() => {
  let chars = "";
  for (const [ch, byte] of SINGLE_BYTE_OF) if (byte >= 0x80 && byte <= 0xbf) chars += ch;
  return chars.replace(/[\\\]^-]/g, "\\$&");
})();

// A UTF-8 multi-byte sequence read as single bytes: a lead byte (Â–ô, 0xC2–0xF4) followed by
// exactly the number of continuation characters the lead byte promises.
const UTF8_AS_SINGLE_BYTES = new RegExp(
  `[\\u00c2-\\u00df][${CONTINUATION}]|[\\u00e0-\\u00ef][${CONTINUATION}]{2}|[\\u00f0-\\u00f4][${CONTINUATION}]{3}`,
  "gu",
);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function redecode(sequence: string): string | undefined {
  const bytes = new Uint8Array(sequence.length);
  for (let i = 0; i < sequence.length; i++) {
    const byte = SINGLE_BYTE_OF.get(sequence[i]!);
    if (byte === undefined) return undefined;
    bytes[i] = byte;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Repairs UTF-8 text that was decoded as Latin-1 or Windows-1252 ("cafÃ©" → "café"), the most
 * common mojibake, which ftfy's `fix_encoding` targets. Each suspicious sequence is re-encoded to
 * bytes and decoded as UTF-8; sequences that are not valid UTF-8 stay as they are. ftfy also
 * weighs a "badness" score and more encodings (Windows-1250/1251, MacRoman, cp437); this covers
 * the Latin-1/1252 case, which is the one that shows up in web captions.
 */
export function fixUtf8Mojibake(text: string): string {
  if (!/[\u00c2-\u00f4]/.test(text)) return text;
  return text.replace(UTF8_AS_SINGLE_BYTES, (sequence) => {
    const fixed = redecode(sequence);
    // A sequence that decodes to a C1 control or a lone non-character is not real text either.
    return fixed === undefined || /[\u0080-\u009f]/.test(fixed) ? sequence : fixed;
  });
}
