import { invalid } from "./tokenizer-json.js";

/**
 * WordPiece (BERT) as tokenizers does it: greedy longest-match-first from the left, pieces after
 * the first carry the continuing-subword prefix (`##`); a word with any unmatched rest, or longer
 * than `max_input_chars_per_word` characters, becomes a single unk token.
 */
export class WordPieceModel {
  readonly #vocab: ReadonlyMap<string, number>;
  readonly #unkId: number;
  readonly #prefix: string;
  readonly #maxChars: number;

  constructor(vocab: ReadonlyMap<string, number>, unkToken: string, prefix = "##", maxChars = 100) {
    this.#vocab = vocab;
    const unkId = vocab.get(unkToken);
    if (unkId === undefined) invalid("model.unk_token", `${JSON.stringify(unkToken)} is not in model.vocab`);
    this.#unkId = unkId;
    this.#prefix = prefix;
    this.#maxChars = maxChars;
  }

  /** Ids of one pre-tokenized word. */
  tokenize(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.#maxChars) return [this.#unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let found: number | undefined;
      let end = chars.length;
      for (; end > start; end--) {
        const piece = chars.slice(start, end).join("");
        found = this.#vocab.get(start > 0 ? this.#prefix + piece : piece);
        if (found !== undefined) break;
      }
      if (found === undefined) return [this.#unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}
