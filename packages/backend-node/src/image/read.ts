import { constants, type Stats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";

/**
 * 256 MiB: larger than any real photo file (a 100-megapixel camera JPEG is ~50 MB), so only
 * giant uncompressed TIFFs or hostile inputs are refused. Files are read whole into memory, so
 * this bounds what one read can cost.
 */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

function fileType(s: Stats): string {
  if (s.isDirectory()) return "directory";
  if (s.isFIFO()) return "FIFO";
  if (s.isSocket()) return "socket";
  if (s.isCharacterDevice()) return "character device";
  if (s.isBlockDevice()) return "block device";
  return "special file";
}

function ioError(path: string, error: unknown): ClipkitError {
  const code = (error as NodeJS.ErrnoException).code;
  const missing = code === "ENOENT" || code === "ENOTDIR";
  return new ClipkitError(
    missing ? "NOT_FOUND" : "IO_FAILED",
    `${path}: ${missing ? "no such file" : "cannot read"}`,
    {
      cause: error,
      details: { file: path },
    },
  );
}

/** Throws unless `s` is a regular file of at most `maxBytes`. */
function checkStats(path: string, s: Stats, maxBytes: number): void {
  if (!s.isFile()) {
    const type = fileType(s);
    throw new ClipkitError("IO_FAILED", `${path}: is a ${type}, not a regular file; refusing to read it`, {
      details: { file: path, fileType: type },
    });
  }
  if (s.size > maxBytes) {
    throw new ClipkitError("IMAGE_TOO_LARGE", `${path}: ${s.size} bytes exceeds maxFileBytes ${maxBytes}`, {
      details: { file: path, bytes: s.size, maxFileBytes: maxBytes },
    });
  }
}

/**
 * Reads a whole image file with its cost bounded: symlinks are followed, then only a regular file
 * of at most `maxBytes` is read. Devices (`/dev/zero`), FIFOs, sockets and directories are refused
 * before any byte is read. The type is checked with `stat` first, so opening never blocks on a FIFO
 * or wakes a device, and again with `fstat` on the opened descriptor (the path may have been
 * swapped in between); the descriptor is opened `O_NONBLOCK` for the same reason. At most the
 * size `fstat` reported is read, so a file that grows meanwhile cannot grow the buffer.
 *
 * `beforeRead(size)` runs after the checks and before the buffer is allocated (memory budgets).
 *
 * @throws ClipkitError `NOT_FOUND` (missing), `IO_FAILED` (not a regular file, `details.fileType`;
 * unreadable), `IMAGE_TOO_LARGE` (over `maxBytes`, `details.bytes`), each naming `details.file`.
 */
export async function readImageFile(
  path: string,
  maxBytes: number,
  beforeRead?: (size: number) => Promise<void>,
): Promise<Uint8Array> {
  let s: Stats;
  try {
    s = await stat(path);
  } catch (error) {
    throw ioError(path, error);
  }
  checkStats(path, s, maxBytes);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw ioError(path, error);
  }
  try {
    let opened: Stats;
    try {
      opened = await handle.stat();
    } catch (error) {
      throw ioError(path, error);
    }
    checkStats(path, opened, maxBytes);
    await beforeRead?.(opened.size);
    const bytes = Buffer.allocUnsafe(opened.size);
    let filled = 0;
    try {
      while (filled < bytes.length) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
        if (bytesRead === 0) break; // shrank meanwhile: decode what is there (truncation is reported)
        filled += bytesRead;
      }
    } catch (error) {
      throw ioError(path, error);
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
