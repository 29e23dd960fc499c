import { invalid } from "./tokenizer-json.js";

/** Settings of a tokenizer.json BPE `model` besides its vocabulary and merges. */
export interface BpeModelOptions {
  /** Token for characters missing from the vocabulary; without one they are dropped. */
  readonly unkToken?: string;
  /** Prepended to every symbol but a word's first (WordPiece-style BPE, e.g. `"##"`). */
  readonly continuingSubwordPrefix?: string;
  /** Appended to a word's last symbol (CLIP: `"</w>"`). */
  readonly endOfWordSuffix?: string;
  /** Consecutive unknown characters become one unk token. */
  readonly fuseUnk?: boolean;
  /** Unknown characters become their UTF-8 bytes as `<0xXX>` tokens when those exist. */
  readonly byteFallback?: boolean;
  /** A word that is itself in the vocabulary is one token, merges skipped (Llama-3 style). */
  readonly ignoreMerges?: boolean;
}

const PAIR = 2 ** 21;
const utf8 = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);

/**
 * Byte-pair encoding of single words, as tokenizers' BPE model does it: each character (with the
 * continuing-subword prefix and end-of-word suffix) becomes a symbol — unknown ones byte
 * fallback or unk — and then the adjacent pair with the lowest merge rank is merged, leftmost
 * first, until none applies. Stateless; callers cache per word.
 */
export class BpeModel {
  readonly #vocab: ReadonlyMap<string, number>;
  // (left id, right id) → merge rank; #merged[rank] is the id of the merged token.
  readonly #pairs = new Map<number, number>();
  readonly #merged: Int32Array;
  readonly #options: BpeModelOptions;
  readonly #unkId: number | undefined;

  /**
   * @param vocab token → id
   * @param merges merges in rank order; a later duplicate overrides an earlier one, like tokenizers
   */
  constructor(
    vocab: ReadonlyMap<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    options: BpeModelOptions = {},
  ) {
    this.#vocab = vocab;
    this.#options = options;
    this.#merged = new Int32Array(merges.length);
    const prefixLength = options.continuingSubwordPrefix?.length ?? 0;
    merges.forEach(([left, right], rank) => {
      const a = vocab.get(left);
      const b = vocab.get(right);
      const merged = vocab.get(left + right.slice(prefixLength));
      if (a === undefined || b === undefined || merged === undefined)
        invalid(
          `model.merges[${rank}]`,
          `${JSON.stringify(`${left} ${right}`)} uses tokens missing from model.vocab`,
        );
      this.#merged[rank] = merged;
      this.#pairs.set(a * PAIR + b, rank);
    });
    if (options.unkToken !== undefined) {
      this.#unkId = vocab.get(options.unkToken);
      if (this.#unkId === undefined)
        invalid("model.unk_token", `${JSON.stringify(options.unkToken)} is not in model.vocab`);
    }
  }

  // Symbols of a word before merging (tokenizers' `merge_word`, unk and byte fallback included).
  #symbols(word: string): number[] {
    const { continuingSubwordPrefix: prefix, endOfWordSuffix: suffix, byteFallback, fuseUnk } = this.#options;
    const chars = Array.from(word);
    const ids: number[] = [];
    let unk = false;
    chars.forEach((ch, i) => {
      let s = ch;
      if (i > 0 && prefix) s = prefix + s;
      if (i === chars.length - 1 && suffix) s += suffix;
      const id = this.#vocab.get(s);
      if (id !== undefined) {
        if (unk) ids.push(this.#unkId!);
        unk = false;
        ids.push(id);
        return;
      }
      if (byteFallback) {
        const bytes = Array.from(utf8.encode(s), (b) => this.#vocab.get(HEX[b]!));
        // The pending unk stays pending across byte tokens, as in tokenizers.
        if (bytes.every((b) => b !== undefined)) {
          ids.push(...(bytes as number[]));
          return;
        }
      }
      if (this.#unkId === undefined) return;
      if (unk && !fuseUnk) ids.push(this.#unkId);
      unk = true;
    });
    if (unk) ids.push(this.#unkId!);
    return ids;
  }

  /** Ids of one pre-tokenized word. */
  tokenize(word: string): number[] {
    if (word.length === 0) return [];
    if (this.#options.ignoreMerges) {
      const whole = this.#vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    const symbols = this.#symbols(word);
    const pairs = this.#pairs;
    while (symbols.length > 1) {
      let best = -1;
      let at = -1;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = pairs.get(symbols[i]! * PAIR + symbols[i + 1]!);
        if (rank !== undefined && (best < 0 || rank < best)) {
          best = rank;
          at = i;
        }
      }
      if (best < 0) break;
      symbols.splice(at, 2, this.#merged[best]!);
    }
    return symbols;
  }
}
