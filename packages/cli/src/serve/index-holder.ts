import { type FSWatcher, watch } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { type LoadedIndex, loadIndexFile } from "@clipkit/backend-node";
import type { EmbeddingSpace, Metadata } from "@clipkit/core";
import { assertIndexSpace } from "../util/index-space.js";
import type { IndexSource } from "./index-source.js";

/** What identifies one version of the index file on disk: an atomic rename changes the inode. */
interface FileStamp {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly size: number;
}

async function stampOf(path: string): Promise<FileStamp> {
  const s = await stat(path);
  return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;
}

/** Options of {@link IndexHolder.open}. */
export interface IndexHolderOptions {
  /** Watch the folder and reload when the file is replaced (default true). */
  watch?: boolean;
  /** Where reload notes and failures go (one line each). */
  log?: (line: string) => void;
  /** Called after each successful swap (tests wait on it). */
  onReload?: (generation: number) => void;
}

/**
 * Holds the served index and hot-reloads it. `clipkit index` saves atomically (write a temporary
 * file, rename it over the old one), so the folder is watched rather than the file — a watch on
 * the file would follow the old, unlinked inode. Each event is checked against the file's inode,
 * mtime and size; the new index is swapped in only after it loaded completely, so a failed or
 * corrupt replacement leaves the old one serving (and is logged).
 */
export class IndexHolder<M extends Metadata = Metadata> implements IndexSource {
  #current: LoadedIndex<M>;
  #stamp: FileStamp;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #generation = 1;
  #lastError: string | undefined;
  /** The served model's space, once {@link assertSpace} accepted it: replacements must match. */
  #space: EmbeddingSpace | undefined;

  private constructor(
    readonly path: string,
    current: LoadedIndex<M>,
    stamp: FileStamp,
    private readonly options: IndexHolderOptions,
  ) {
    this.#current = current;
    this.#stamp = stamp;
  }

  /** Loads `path` (flat or HNSW, told apart by the header) and starts watching its folder. */
  static async open<M extends Metadata = Metadata>(
    path: string,
    options: IndexHolderOptions = {},
  ): Promise<IndexHolder<M>> {
    const stamp = await stampOf(path);
    const holder = new IndexHolder<M>(path, await loadIndexFile<M>(path), stamp, options);
    if (options.watch !== false) holder.#startWatching();
    return holder;
  }

  assertSpace(space: EmbeddingSpace): void {
    assertIndexSpace(this.path, this.#current.index.space, space);
    this.#space = space;
  }

  /** The index to search now; a request keeps the one it started with across a swap. */
  get current(): LoadedIndex<M> {
    return this.#current;
  }

  /** Starts at 1; +1 per successful reload. */
  get generation(): number {
    return this.#generation;
  }

  /** The last reload failure's message, cleared by a successful reload. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  #startWatching(): void {
    const name = basename(this.path);
    this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      // Debounced: a rename fires several events, and a writer may touch the file twice.
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.reload(), 50);
    });
    this.#watcher.on("error", (error) =>
      this.options.log?.(`clipkit serve: index watch failed: ${error.message}\n`),
    );
  }

  /**
   * Reloads when the file changed since the last load (inode, mtime or size), else does nothing.
   * Never throws: a failure is logged and kept in {@link lastError}; the old index keeps serving.
   */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(() => this.#reloadOnce());
    return this.#reloading;
  }

  async #reloadOnce(): Promise<void> {
    let stamp: FileStamp;
    try {
      stamp = await stampOf(this.path);
    } catch {
      return; // Between unlink and rename, or removed: keep serving what we have.
    }
    if (sameStamp(stamp, this.#stamp)) return;
    try {
      const next = await loadIndexFile<M>(this.path);
      // Re-indexed with another model: its vectors would not match the served model's queries.
      if (this.#space) assertIndexSpace(this.path, next.index.space, this.#space);
      this.#current = next;
      this.#stamp = stamp;
      this.#generation += 1;
      this.#lastError = undefined;
      this.options.log?.(`clipkit serve: reloaded ${this.path} (${next.index.size()} items, ${next.kind})\n`);
      this.options.onReload?.(this.#generation);
    } catch (error) {
      // Remember the stamp so one bad file is logged once, not on every event.
      this.#stamp = stamp;
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.options.log?.(
        `clipkit serve: reload of ${this.path} failed, still serving the previous index: ${this.#lastError}\n`,
      );
    }
  }

  /** The recorded `path` of an indexed item, resolved against the working folder. */
  async filePath(id: string): Promise<string | undefined> {
    const path = this.#current.index.getMetadata(id)?.path;
    return typeof path === "string" ? resolve(path) : undefined;
  }

  /** Stops watching (the loaded index stays usable until dropped). */
  close(): void {
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
