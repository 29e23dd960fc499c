/** Options for {@link BpeModel}. */
export interface BpeModelOptions {
  /** Appended to the last symbol of every word before merging (CLIP: `"</w>"`). */
  endOfWordSuffix?: string;
}

/**
 * Byte-pair encoding of single words: repeatedly merges the adjacent pair with the lowest merge
 * rank, as openai/CLIP's `bpe()` does. Stateless; callers cache per word (see {@link LruCache}).
 */
export class BpeModel {
  // left → right → rank: looking pairs up needs no string building in the hot loop.
  readonly #ranks = new Map<string, Map<string, number>>();
  readonly #suffix: string;

  /**
   * @param ranks merge rank per pair, keyed `"left right"` (lower merges first)
   */
  constructor(ranks: ReadonlyMap<string, number>, options: BpeModelOptions = {}) {
    for (const [pair, rank] of ranks) {
      const space = pair.indexOf(" ", 1);
      if (space < 0) continue;
      const left = pair.slice(0, space);
      let rights = this.#ranks.get(left);
      if (rights === undefined) {
        rights = new Map();
        this.#ranks.set(left, rights);
      }
      const right = pair.slice(space + 1);
      if (!rights.has(right)) rights.set(right, rank);
    }
    this.#suffix = options.endOfWordSuffix ?? "";
  }

  /** Splits one pre-tokenized word (already byte-encoded) into BPE symbols. */
  encodeWord(word: string): string[] {
    const symbols = Array.from(word);
    if (symbols.length === 0) return symbols;
    symbols[symbols.length - 1] += this.#suffix;
    const ranks = this.#ranks;
    while (symbols.length > 1) {
      let best = Number.POSITIVE_INFINITY;
      let left = "";
      let right = "";
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = ranks.get(symbols[i]!)?.get(symbols[i + 1]!);
        if (rank !== undefined && rank < best) {
          best = rank;
          left = symbols[i]!;
          right = symbols[i + 1]!;
        }
      }
      if (best === Number.POSITIVE_INFINITY) break;
      // Merge every occurrence of the winning pair, left to right, like the reference.
      let write = 0;
      for (let read = 0; read < symbols.length; read++) {
        if (read < symbols.length - 1 && symbols[read] === left && symbols[read + 1] === right) {
          symbols[write++] = left + right;
          read++;
        } else {
          symbols[write++] = symbols[read]!;
        }
      }
      symbols.length = write;
    }
    return symbols;
  }
}
