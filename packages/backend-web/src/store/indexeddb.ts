import { ClipkitError } from "@clipkit/core";

/** Options of the IndexedDB index store. */
export interface IndexedDbStoreOptions {
  /** Database name (default `"clipkit"`); the object store inside is `"indexes"`. */
  database?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`), e.g. one from a worker. */
  indexedDB?: IDBFactory;
}

const STORE = "indexes";

function factory(options: IndexedDbStoreOptions): IDBFactory {
  const idb = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) {
    throw new ClipkitError("DATABASE_FAILED", "IndexedDB is not available in this context", {
      details: { database: options.database ?? "clipkit" },
    });
  }
  return idb;
}

function promised<T>(request: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(new ClipkitError("DATABASE_FAILED", `IndexedDB ${what} failed`, { cause: request.error }));
  });
}

async function withStore<T>(
  options: IndexedDbStoreOptions,
  mode: IDBTransactionMode,
  what: string,
  body: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const name = options.database ?? "clipkit";
  const open = factory(options).open(name, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  const db = await promised(open, `open("${name}")`);
  try {
    const tx = db.transaction(STORE, mode);
    const result = await promised(body(tx.objectStore(STORE)), what);
    // Resolve only once the write is durable, not merely queued.
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () =>
        reject(new ClipkitError("DATABASE_FAILED", `IndexedDB ${what} was aborted`, { cause: tx.error }));
      if (mode === "readonly") resolve();
    });
    return result;
  } finally {
    db.close();
  }
}

function checkKey(key: string): void {
  if (typeof key !== "string" || key === "") {
    throw new ClipkitError("INVALID_ARGUMENT", "index key must be a non-empty string", {
      details: { argument: "key" },
    });
  }
}

/**
 * Stores a saved index (the bytes of core's `saveFlatIndex(index)`) in IndexedDB under `key`,
 * replacing any earlier one.
 *
 * @example
 * ```ts
 * await saveIndexToIndexedDb("photos", saveFlatIndex(index));
 * const bytes = await loadIndexFromIndexedDb("photos");
 * const index = bytes ? loadFlatIndex(bytes, "indexeddb:photos") : new FlatIndex(model.space);
 * ```
 */
export async function saveIndexToIndexedDb(
  key: string,
  bytes: Uint8Array,
  options: IndexedDbStoreOptions = {},
): Promise<void> {
  checkKey(key);
  await withStore(options, "readwrite", `put("${key}")`, (store) => store.put(bytes.slice(), key));
}

/** Reads bytes stored by {@link saveIndexToIndexedDb}; `undefined` when `key` was never saved. */
export async function loadIndexFromIndexedDb(
  key: string,
  options: IndexedDbStoreOptions = {},
): Promise<Uint8Array | undefined> {
  checkKey(key);
  const value: unknown = await withStore(options, "readonly", `get("${key}")`, (store) => store.get(key));
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) {
    throw new ClipkitError("INDEX_CORRUPT", `IndexedDB entry "${key}" does not hold index bytes`, {
      details: { key },
    });
  }
  return value;
}

/** Removes an index stored by {@link saveIndexToIndexedDb} (no error when absent). */
export async function deleteIndexFromIndexedDb(
  key: string,
  options: IndexedDbStoreOptions = {},
): Promise<void> {
  checkKey(key);
  await withStore(options, "readwrite", `delete("${key}")`, (store) => store.delete(key));
}
