import { ClipkitError } from "../errors.js";
import { BYTE_TO_UNICODE, BYTE_VOCAB_ORDER } from "./bytes-to-unicode.js";
import { ClipBpeTokenizer, type ClipTokenizerOptions } from "./clip-tokenizer.js";

/** The number of merges openai/CLIP uses from `bpe_simple_vocab_16e6.txt` (49,152 − 256 − 2). */
export const CLIP_MERGE_COUNT = 48_894;

/** Options for building a CLIP vocabulary from the raw merges file. */
export interface ClipMergesOptions extends ClipTokenizerOptions {
  /**
   * Merges to use (default {@link CLIP_MERGE_COUNT}). Smaller values give the small vocabularies
   * of test models: `512 + maxMerges + 2` entries, specials last.
   */
  readonly maxMerges?: number;
  /** Context length (default 77). */
  readonly modelMaxLength?: number;
}

/** A CLIP vocabulary in openai/CLIP's id order and its merges in rank order. */
export interface ClipVocabulary {
  readonly vocab: Map<string, number>;
  readonly merges: Array<[string, string]>;
}

/**
 * Builds openai/CLIP's vocabulary from the gunzipped text of `bpe_simple_vocab_16e6.txt`: the 256
 * byte characters, their 256 `</w>` forms, one entry per merge, then `<|startoftext|>` and
 * `<|endoftext|>`. Gunzipping is the caller's job (core stays free of Node APIs; see
 * {@link gunzipText} for browsers and Node ≥ 18).
 */
export function clipVocabularyFromMerges(
  mergesText: string,
  options: { maxMerges?: number } = {},
): ClipVocabulary {
  if (typeof mergesText !== "string") {
    throw new ClipkitError("INVALID_ARGUMENT", "mergesText must be the gunzipped merges file as a string", {
      details: { argument: "mergesText" },
    });
  }
  const maxMerges = options.maxMerges ?? CLIP_MERGE_COUNT;
  // Line 0 is a "#version" header; merges follow one per line.
  const lines = mergesText.split("\n").slice(1, 1 + maxMerges);
  const merges = lines.map((line, i): [string, string] => {
    const parts = line.trim().split(" ");
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new ClipkitError(
        "TOKENIZER_INVALID",
        `merges line ${i + 2} is not "left right": ${JSON.stringify(line)}`,
        {
          details: { field: "merges", line: i + 2 },
        },
      );
    }
    return [parts[0], parts[1]];
  });
  if (merges.length < maxMerges && options.maxMerges !== undefined) {
    throw new ClipkitError(
      "TOKENIZER_INVALID",
      `merges file has ${merges.length} merges, fewer than ${maxMerges}`,
      {
        details: { field: "merges" },
      },
    );
  }
  const tokens = BYTE_VOCAB_ORDER.map((b) => BYTE_TO_UNICODE[b]!);
  const all = [...tokens, ...tokens.map((t) => `${t}</w>`), ...merges.map(([a, b]) => a + b)];
  all.push("<|startoftext|>", "<|endoftext|>");
  return { vocab: new Map(all.map((token, id) => [token, id])), merges };
}

/** A CLIP tokenizer from the gunzipped `bpe_simple_vocab_16e6.txt`, identical to openai/CLIP's. */
export function createClipTokenizerFromMerges(
  mergesText: string,
  options: ClipMergesOptions = {},
): ClipBpeTokenizer {
  const { vocab, merges } = clipVocabularyFromMerges(mergesText, options);
  return new ClipBpeTokenizer({
    vocab,
    merges,
    bosToken: "<|startoftext|>",
    eosToken: "<|endoftext|>",
    modelMaxLength: options.modelMaxLength,
    options,
  });
}

/**
 * Gunzips bytes with the standard `DecompressionStream` (browsers, Node ≥ 18, Deno, Bun) and
 * decodes UTF-8. Optional helper: in Node, `zlib.gunzipSync` works just as well.
 */
export async function gunzipText(bytes: Uint8Array): Promise<string> {
  if (typeof DecompressionStream === "undefined") {
    throw new ClipkitError("BACKEND_UNAVAILABLE", "DecompressionStream is not available in this runtime");
  }
  // Copy into a plain ArrayBuffer-backed view: Blob rejects views over SharedArrayBuffer.
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}
