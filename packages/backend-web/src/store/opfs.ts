import { ClipkitError } from "@clipkit/core";

/** Options of the OPFS index store. */
export interface OpfsStoreOptions {
  /** Folder inside the origin-private file system (default `"clipkit-indexes"`). */
  folder?: string;
  /** The OPFS root (default `navigator.storage.getDirectory()`), e.g. for tests. */
  root?: FileSystemDirectoryHandle;
}

// OPFS suits large indexes better than IndexedDB: files are not structured-cloned and can be
// written in place. Names map one-to-one to files, so they are restricted to safe characters.
const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

function checkName(name: string): void {
  if (typeof name !== "string" || !SAFE_NAME.test(name) || name === "." || name === "..") {
    throw new ClipkitError("INVALID_ARGUMENT", `index name must match ${SAFE_NAME}, got "${name}"`, {
      details: { argument: "name" },
    });
  }
}

async function folder(options: OpfsStoreOptions): Promise<FileSystemDirectoryHandle> {
  let root = options.root;
  if (!root) {
    const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
    if (!storage?.getDirectory) {
      throw new ClipkitError("IO_FAILED", "the origin-private file system (OPFS) is not available here");
    }
    root = await storage.getDirectory();
  }
  return root.getDirectoryHandle(options.folder ?? "clipkit-indexes", { create: true });
}

function failed(what: string, name: string, error: unknown): ClipkitError {
  return new ClipkitError("IO_FAILED", `OPFS ${what} of index "${name}" failed`, {
    cause: error,
    details: { name },
  });
}

/** Writes a saved index (the bytes of core's `saveFlatIndex(index)`) to OPFS as `name`, replacing it. */
export async function saveIndexToOpfs(
  name: string,
  bytes: Uint8Array,
  options: OpfsStoreOptions = {},
): Promise<void> {
  checkName(name);
  try {
    const file = await (await folder(options)).getFileHandle(name, { create: true });
    const writable = await file.createWritable();
    // The copy detaches nothing the caller holds and satisfies FileSystemWriteChunkType's ArrayBuffer.
    await writable.write(bytes.slice());
    await writable.close();
  } catch (error) {
    throw failed("write", name, error);
  }
}

/** Reads bytes written by {@link saveIndexToOpfs}; `undefined` when `name` was never saved. */
export async function loadIndexFromOpfs(
  name: string,
  options: OpfsStoreOptions = {},
): Promise<Uint8Array | undefined> {
  checkName(name);
  let handle: FileSystemFileHandle;
  try {
    handle = await (await folder(options)).getFileHandle(name);
  } catch (error) {
    if ((error as { name?: string }).name === "NotFoundError") return undefined;
    throw failed("open", name, error);
  }
  try {
    return new Uint8Array(await (await handle.getFile()).arrayBuffer());
  } catch (error) {
    throw failed("read", name, error);
  }
}

/** Removes an index written by {@link saveIndexToOpfs} (no error when absent). */
export async function deleteIndexFromOpfs(name: string, options: OpfsStoreOptions = {}): Promise<void> {
  checkName(name);
  try {
    await (await folder(options)).removeEntry(name);
  } catch (error) {
    if ((error as { name?: string }).name !== "NotFoundError") throw failed("delete", name, error);
  }
}
