/**
 * A bounded map that forgets the least recently used entry first. Tokenizers keep one per
 * instance (never global) to cache per-word results: captions reuse few words.
 */
export class LruCache<K, V> {
  readonly #capacity: number;
  readonly #map = new Map<K, V>();

  /** @param capacity most entries kept; 0 disables caching */
  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity));
  }

  /** Number of cached entries. */
  get size(): number {
    return this.#map.size;
  }

  /** The cached value, refreshed as most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    // Re-inserting moves the key to the end of the Map's insertion order.
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** Stores a value, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    this.#map.delete(key);
    if (this.#map.size >= this.#capacity) this.#map.delete(this.#map.keys().next().value as K);
    this.#map.set(key, value);
  }
}
