import { once } from "node:events";
import { crc32, createDeflate } from "node:zlib";

function chunk(tag: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(tag, "latin1"), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/**
 * A valid PNG of `width × height` 8-bit pixels, all zero, built directly: deflate shrinks zero rows
 * ~1000×, so a 1,000,000×1 strip is ~3 KB and a 13000×13000 image ~170 KB (grey) on disk. The raw
 * rows are streamed through zlib in 4 MiB blocks, never held whole. For tests and benchmarks of
 * size limits; `colourType` 0 = grey, 2 = RGB.
 */
export async function zeroPng(width: number, height: number, colourType: 0 | 2 = 2): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colourType, 0, 0, 0], 8);
  const rowBytes = 1 + width * (colourType === 2 ? 3 : 1); // filter byte 0, then the samples
  const rowsPerBlock = Math.max(1, Math.floor((4 << 20) / rowBytes));
  const block = Buffer.alloc(Math.min(height, rowsPerBlock) * rowBytes);
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on("data", (b: Buffer) => parts.push(b));
  const done = once(deflate, "end");
  for (let y = 0; y < height; y += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, height - y);
    if (!deflate.write(block.subarray(0, rows * rowBytes))) await once(deflate, "drain");
  }
  deflate.end();
  await done;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.concat(parts)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
