import { createEmbeddings, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import type { EmbedOptions, ImageEmbedder, Scoring, TextEmbedder } from "../model/types.js";

/** Deterministic pseudo-random unit-ish vector for a word (FNV seed → xorshift32). */
function wordVector(word: string, dim: number): Float32Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  let s = h >>> 0 || 1;
  const v = new Float32Array(dim);
  for (let k = 0; k < dim; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[k] = ((s >>> 0) / 0xffffffff) * 2 - 1;
  }
  return v;
}

/** Bag-of-words embedding: the sum of word vectors, so texts sharing words point alike. */
export function fakeEmbed(text: string, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (const w of text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)) {
    const v = wordVector(w, dim);
    for (let k = 0; k < dim; k++) out[k]! += v[k]!;
  }
  return out;
}

function embedAll(texts: readonly string[], space: EmbeddingSpace, options: EmbedOptions = {}): Embeddings {
  if (options.signal?.aborted) throw new ClipkitError("ABORTED", "aborted");
  const data = new Float32Array(texts.length * space.dim);
  texts.forEach((t, i) => {
    const v = fakeEmbed(t, space.dim);
    let n = 0;
    for (const x of v) n += x * x;
    const inv = options.normalize === false || n === 0 ? 1 : 1 / Math.sqrt(n);
    for (let k = 0; k < space.dim; k++) data[i * space.dim + k] = v[k]! * inv;
  });
  return createEmbeddings(data, texts.length, space);
}

/** A deterministic TextEmbedder that records every text it was asked to encode. */
export class FakeTextEmbedder implements TextEmbedder {
  readonly space: EmbeddingSpace;
  readonly scoring: Scoring;
  readonly calls: string[][] = [];

  constructor(dim = 32, scoring: Scoring = { kind: "softmax", logitScale: 100 }, id = "fake-bow") {
    this.space = { id, dim, normalized: true };
    this.scoring = scoring;
  }

  async embedTexts(texts: readonly string[], options?: EmbedOptions): Promise<Embeddings> {
    this.calls.push([...texts]);
    return embedAll(texts, this.space, options);
  }
}

/** "Images" are strings embedded with the same bag of words, so "cat" lands near "a photo of a cat". */
export class FakeImageEmbedder implements ImageEmbedder<string> {
  constructor(readonly space: EmbeddingSpace) {}

  async embedImages(inputs: readonly string[], options?: EmbedOptions): Promise<Embeddings> {
    return embedAll(inputs, this.space, options);
  }
}
