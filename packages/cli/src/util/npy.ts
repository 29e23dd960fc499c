/**
 * Streaming writer of NumPy `.npy` files (format 1.0, little-endian float32, C order), the
 * format clip-retrieval's `img_emb_*.npy` / `text_emb_*.npy` use and `numpy.load` reads. Rows are
 * appended batch by batch, so memory stays at one batch; the header, whose shape is known only at
 * the end, is written last into space reserved up front.
 */
import { type FileHandle, open } from "node:fs/promises";
import { ClipkitError } from "@clipkit/core";

const MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]); // \x93NUMPY v1.0
/** Bytes before the data: magic + header length + header dict, padded (a multiple of 64). */
export const NPY_HEADER_BYTES = 128;

/** The `.npy` header for a `rows × cols` float32 array, padded to {@link NPY_HEADER_BYTES}. */
export function npyHeader(rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const room = NPY_HEADER_BYTES - MAGIC.length - 2;
  if (dict.length + 1 > room)
    throw new ClipkitError("INVALID_ARGUMENT", `npy shape (${rows}, ${cols}) too large`);
  const text = `${dict}${" ".repeat(room - dict.length - 1)}\n`;
  const out = new Uint8Array(NPY_HEADER_BYTES);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint16(MAGIC.length, room, true);
  out.set(new TextEncoder().encode(text), MAGIC.length + 2);
  return out;
}

/** Appends float32 rows of width `cols` to a new `.npy` file; `close()` writes the header. */
export class NpyWriter {
  #rows = 0;
  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly cols: number,
  ) {}

  /** Creates (or truncates) `path`. */
  static async create(path: string, cols: number): Promise<NpyWriter> {
    const file = await open(path, "w").catch((error: Error) => {
      throw new ClipkitError("IO_FAILED", `cannot write ${path}: ${error.message}`, {
        cause: error,
        details: { path },
      });
    });
    await file.write(new Uint8Array(NPY_HEADER_BYTES));
    return new NpyWriter(file, path, cols);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Appends `data.length / cols` rows (host order is little-endian on every supported platform). */
  async append(data: Float32Array): Promise<void> {
    if (data.length % this.cols !== 0)
      throw new ClipkitError(
        "SHAPE_MISMATCH",
        `${this.path}: ${data.length} floats is not a multiple of ${this.cols}`,
      );
    await this.file.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.#rows += data.length / this.cols;
  }

  /** Writes the header with the final shape and closes the file. */
  async close(): Promise<void> {
    try {
      await this.file.write(npyHeader(this.#rows, this.cols), 0, NPY_HEADER_BYTES, 0);
    } finally {
      await this.file.close();
    }
  }
}
