/** One vocabulary entry of a Unigram model. */
export interface UnigramPiece {
  readonly piece: string;
  readonly score: number;
}

// SentencePiece and tokenizers both score an unknown character this far below the worst piece.
const UNK_PENALTY = 10;

interface TrieNode {
  id: number;
  children: Map<string, TrieNode>;
}

/**
 * SentencePiece Unigram segmentation: the Viterbi path through all vocabulary pieces that match
 * the word, maximising the summed log-probability scores. Characters no piece covers become the
 * unknown piece (consecutive unknowns fused into one, as tokenizers does) or, with byte fallback,
 * their UTF-8 bytes as `<0xXX>` pieces.
 */
export class UnigramModel {
  readonly #root: TrieNode = { id: -1, children: new Map() };
  readonly #unkId: number;
  readonly #unkScore: number;
  readonly #byteIds: number[] | undefined;
  readonly #scores: number[];

  /**
   * @param pieces vocabulary in id order
   * @param unkId id of the unknown piece
   * @param matchable which ids may match text (control, unknown and byte pieces must not)
   * @param byteFallback spell unknown characters as `<0xXX>` byte pieces when all exist
   */
  constructor(
    pieces: readonly UnigramPiece[],
    unkId: number,
    matchable: (id: number) => boolean,
    byteFallback: boolean,
  ) {
    this.#unkId = unkId;
    let minScore = Number.POSITIVE_INFINITY;
    pieces.forEach(({ piece, score }, id) => {
      if (score < minScore) minScore = score;
      if (!matchable(id) || piece.length === 0) return;
      let node = this.#root;
      for (const ch of piece) {
        let next = node.children.get(ch);
        if (next === undefined) {
          next = { id: -1, children: new Map() };
          node.children.set(ch, next);
        }
        node = next;
      }
      if (node.id === -1) node.id = id;
    });
    this.#scores = pieces.map((p) => p.score);
    this.#unkScore = minScore - UNK_PENALTY;
    if (byteFallback) {
      const byId = new Map(pieces.map((p, id) => [p.piece, id] as const));
      const ids: number[] = [];
      for (let b = 0; b < 256; b++) {
        const id = byId.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
        if (id === undefined) break;
        ids.push(id);
      }
      this.#byteIds = ids.length === 256 ? ids : undefined;
    }
  }

  /** Ids for one pre-tokenized word. */
  encodeWord(word: string): number[] {
    const chars = Array.from(word);
    const n = chars.length;
    // best[i]: best score of a segmentation of chars[0, i); back pointers rebuild the path.
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const fromPos = new Int32Array(n + 1);
    const fromId = new Int32Array(n + 1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      if (base === Number.NEGATIVE_INFINITY) continue;
      let node: TrieNode | undefined = this.#root;
      let coveredOne = false;
      for (let end = start; end < n && node !== undefined; end++) {
        node = node.children.get(chars[end]!);
        if (node === undefined || node.id === -1) continue;
        if (end === start) coveredOne = true;
        const score = base + this.#scores[node.id]!;
        if (score > best[end + 1]!) {
          best[end + 1] = score;
          fromPos[end + 1] = start;
          fromId[end + 1] = node.id;
        }
      }
      if (!coveredOne) {
        const score = base + this.#unkScore;
        if (score > best[start + 1]!) {
          best[start + 1] = score;
          fromPos[start + 1] = start;
          fromId[start + 1] = -1;
        }
      }
    }
    const path: Array<{ id: number; start: number; end: number }> = [];
    for (let end = n; end > 0; end = fromPos[end]!)
      path.push({ id: fromId[end]!, start: fromPos[end]!, end });
    path.reverse();
    return this.#emit(path, chars);
  }

  #emit(path: ReadonlyArray<{ id: number; start: number; end: number }>, chars: readonly string[]): number[] {
    const ids: number[] = [];
    const utf8 = new TextEncoder();
    for (let i = 0; i < path.length; i++) {
      const step = path[i]!;
      if (step.id !== -1) {
        ids.push(step.id);
        continue;
      }
      if (this.#byteIds !== undefined) {
        for (const byte of utf8.encode(chars.slice(step.start, step.end).join("")))
          ids.push(this.#byteIds[byte]!);
      } else if (ids.length === 0 || path[i - 1]?.id !== -1) {
        ids.push(this.#unkId);
      }
    }
    return ids;
  }
}
