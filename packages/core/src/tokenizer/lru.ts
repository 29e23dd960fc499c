/**
 * A bounded cache that forgets the least recently used entries first, approximately: entries live
 * in a young and an old generation; when the young one fills up it becomes the old one and the
 * previous old one is dropped, and a hit in the old generation is promoted back. Holds at most
 * `2 × capacity` entries. Unlike a Map-reordering LRU, a hit costs one lookup and no deletes, which
 * matters because tokenizers look up every word of every text here. One per tokenizer instance,
 * never global.
 */
export class LruCache<K, V> {
  readonly #capacity: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  /** @param capacity entries per generation; 0 disables caching */
  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
  }

  /** Number of cached entries (both generations). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /** The cached value, if still held. */
  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  /** Stores a value; may drop the oldest generation. */
  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
