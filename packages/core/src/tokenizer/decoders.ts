import { UNICODE_TO_BYTE, unicodeToBytes } from "./bytes-to-unicode.js";
import { readPattern } from "./regex.js";
import { asObject, invalid, readMetaspace } from "./tokenizer-json.js";

/** A tokenizer.json `decoder` step: tokens in, tokens out (joined at the end). */
export type Decoder = (tokens: string[]) => string[];

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

// tokenizers' WordPiece decoder clean-up of tokenization spaces.
function cleanup(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" do not", " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    try {
      out.push(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes)));
    } catch {
      // Invalid UTF-8: one U+FFFD per byte, as tokenizers does.
      for (const _ of bytes) out.push("\ufffd");
    }
    bytes = [];
  };
  for (const token of tokens) {
    const byte = BYTE_TOKEN.exec(token);
    if (byte) bytes.push(Number.parseInt(byte[1]!, 16));
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

function strip(content: string, start: number, stop: number): Decoder {
  return (tokens) =>
    tokens.map((token) => {
      const chars = Array.from(token);
      let from = 0;
      while (from < Math.min(start, chars.length) && chars[from] === content) from++;
      let to = chars.length;
      while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
      return chars.slice(from, to).join("");
    });
}

/**
 * Interprets a tokenizer.json `decoder` block as tokenizers does: ByteLevel, Metaspace, WordPiece
 * (with `cleanup`), BPEDecoder (word-end suffix), ByteFallback, Fuse, Strip, Replace, CTC and
 * Sequence. Without a decoder, tokens are joined with spaces (see {@link decodeTokens}).
 */
export function createDecoder(spec: unknown, field = "decoder"): Decoder | undefined {
  if (spec === null || spec === undefined) return undefined;
  const node = asObject(spec, field);
  switch (node.type) {
    case "Sequence": {
      if (!Array.isArray(node.decoders)) invalid(`${field}.decoders`, "not an array");
      const steps = node.decoders.map((d, i) => createDecoder(d, `${field}.decoders[${i}]`)!);
      return (tokens) => steps.reduce((t, step) => step(t), tokens);
    }
    case "ByteLevel":
      // Tokens made only of byte characters are bytes; others (added tokens) are their UTF-8.
      return (tokens) => {
        const bytes: number[] = [];
        for (const token of tokens) {
          if (Array.from(token).every((ch) => UNICODE_TO_BYTE.has(ch))) bytes.push(...unicodeToBytes(token));
          else bytes.push(...utf8Encoder.encode(token));
        }
        return [utf8.decode(Uint8Array.from(bytes))];
      };
    case "Metaspace": {
      const { replacement, scheme } = readMetaspace(node);
      return (tokens) =>
        tokens.map((token, i) => {
          let out = "";
          for (const ch of token) {
            if (ch !== replacement) out += ch;
            else if (i !== 0 || scheme === "never") out += " ";
          }
          return out;
        });
    }
    case "WordPiece": {
      const prefix = typeof node.prefix === "string" ? node.prefix : "##";
      const clean = node.cleanup !== false;
      return (tokens) =>
        tokens.map((token, i) => {
          let out = token;
          if (i !== 0) out = token.startsWith(prefix) ? token.slice(prefix.length) : ` ${token}`;
          return clean ? cleanup(out) : out;
        });
    }
    case "BPEDecoder": {
      const suffix = typeof node.suffix === "string" ? node.suffix : "</w>";
      return (tokens) => tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? "" : " "));
    }
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Strip":
      return strip(
        typeof node.content === "string" ? node.content : " ",
        typeof node.start === "number" ? node.start : 0,
        typeof node.stop === "number" ? node.stop : 0,
      );
    case "Replace": {
      const pattern = readPattern(node.pattern, `${field}.pattern`);
      const content = typeof node.content === "string" ? node.content : "";
      return (tokens) => tokens.map((t) => t.replace(pattern, () => content));
    }
    case "CTC": {
      const pad = typeof node.pad_token === "string" ? node.pad_token : "<pad>";
      const delimiter = typeof node.word_delimiter_token === "string" ? node.word_delimiter_token : "|";
      return (tokens) =>
        tokens
          .filter((t, i) => i === 0 || t !== tokens[i - 1])
          .filter((t) => t !== pad)
          .map((t) => (t === delimiter ? " " : t));
    }
    default:
      return invalid(`${field}.type`, `unsupported decoder ${JSON.stringify(node.type)}`);
  }
}

/** Runs the decoder (or joins with spaces when the file has none) and concatenates. */
export function decodeTokens(decoder: Decoder | undefined, tokens: string[]): string {
  return decoder === undefined ? tokens.join(" ") : decoder(tokens).join("");
}
