/** One vocabulary entry of a Unigram model. */
export interface UnigramPiece {
  readonly piece: string;
  readonly score: number;
}

// SentencePiece and tokenizers both score an unknown character this far below the worst piece.
const UNK_PENALTY = 10;
const utf8 = new TextEncoder();

interface TrieNode {
  id: number;
  children: Map<string, TrieNode>;
}

/**
 * Unigram segmentation as tokenizers does it: the Viterbi path through every vocabulary piece
 * matching the word (special and byte pieces included), maximising the summed scores. A character
 * no single piece covers scores `min score − 10`; runs of such characters fuse into one unknown
 * piece, spelled as `<0xXX>` byte pieces with byte fallback, else the unk id.
 */
export class UnigramModel {
  readonly #root: TrieNode = { id: -1, children: new Map() };
  readonly #ids = new Map<string, number>();
  readonly #unkId: number;
  readonly #unkScore: number;
  readonly #byteFallback: boolean;
  readonly #scores: number[];

  /**
   * @param pieces vocabulary in id order (a repeated piece resolves to its last id, as in tokenizers)
   * @param unkId id of the unknown piece
   * @param byteFallback spell unknown runs as `<0xXX>` byte pieces when all their bytes exist
   */
  constructor(pieces: readonly UnigramPiece[], unkId: number, byteFallback: boolean) {
    this.#unkId = unkId;
    this.#byteFallback = byteFallback;
    let minScore = Number.POSITIVE_INFINITY;
    pieces.forEach(({ piece, score }, id) => {
      if (score < minScore) minScore = score;
      this.#ids.set(piece, id);
    });
    for (const [piece, id] of this.#ids) {
      if (piece.length === 0) continue;
      let node = this.#root;
      for (const ch of piece) {
        let next = node.children.get(ch);
        if (next === undefined) {
          next = { id: -1, children: new Map() };
          node.children.set(ch, next);
        }
        node = next;
      }
      node.id = id;
    }
    this.#scores = pieces.map((p) => p.score);
    this.#unkScore = minScore - UNK_PENALTY;
  }

  /** Ids for one pre-tokenized word. */
  tokenize(word: string): number[] {
    const chars = Array.from(word);
    const n = chars.length;
    // best[i]: best score of a segmentation of chars[0, i); back pointers rebuild the path.
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const fromPos = new Int32Array(n + 1).fill(-1);
    const fromId = new Int32Array(n + 1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      let node: TrieNode | undefined = this.#root;
      let coveredOne = false;
      for (let end = start; end < n && node !== undefined; end++) {
        node = node.children.get(chars[end]!);
        if (node === undefined || node.id === -1) continue;
        if (end === start) coveredOne = true;
        const score = base + this.#scores[node.id]!;
        if (fromPos[end + 1] === -1 || score > best[end + 1]!) {
          best[end + 1] = score;
          fromPos[end + 1] = start;
          fromId[end + 1] = node.id;
        }
      }
      if (!coveredOne) {
        const score = base + this.#unkScore;
        if (fromPos[start + 1] === -1 || score > best[start + 1]!) {
          best[start + 1] = score;
          fromPos[start + 1] = start;
          fromId[start + 1] = this.#unkId;
        }
      }
    }
    // Walk back, fusing consecutive unknown pieces into one string.
    const pieces: Array<{ id: number; text: string }> = [];
    let unknown = "";
    for (let end = n; end > 0; end = fromPos[end]!) {
      const start = fromPos[end]!;
      const text = chars.slice(start, end).join("");
      if (fromId[end] === this.#unkId) {
        unknown = text + unknown;
        continue;
      }
      if (unknown) pieces.push({ id: -1, text: unknown });
      unknown = "";
      pieces.push({ id: fromId[end]!, text });
    }
    if (unknown) pieces.push({ id: -1, text: unknown });
    pieces.reverse();
    const ids: number[] = [];
    for (const { id, text } of pieces) {
      if (id !== -1) ids.push(id);
      else ids.push(...this.#unknownIds(text));
    }
    return ids;
  }

  // tokenizers looks a fused unknown run up by its text, then tries byte fallback, then unk.
  #unknownIds(text: string): number[] {
    const known = this.#ids.get(text);
    if (known !== undefined) return [known];
    if (this.#byteFallback) {
      const bytes = Array.from(utf8.encode(text), (b) =>
        this.#ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`),
      );
      if (bytes.every((b) => b !== undefined)) return bytes as number[];
    }
    return [this.#unkId];
  }
}
