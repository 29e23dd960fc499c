import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { main } from "../main.js";

const BIN = fileURLToPath(new URL("../bin.ts", import.meta.url));

/**
 * Node arguments that run the `clipkit` bin from source on `args` (the real entry point, for tests
 * that need a process of its own: signals, exit codes): `spawn(process.execPath, cliProcessArgs(…))`.
 */
export function cliProcessArgs(args: readonly string[]): string[] {
  return ["--conditions=@clipkit/source", "--import", "tsx", BIN, ...args];
}

/** Runs the CLI in-process with captured stdout/stderr (a test helper). */
export async function runCliCaptured(
  argv: readonly string[],
  options: { stderrIsTTY?: boolean; progressIntervalMs?: number; signal?: AbortSignal } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new Writable({
    write(chunk, _enc, cb) {
      stdout += String(chunk);
      cb();
    },
  });
  const err = new Writable({
    write(chunk, _enc, cb) {
      stderr += String(chunk);
      cb();
    },
  });
  if (options.stderrIsTTY) (err as Writable & { isTTY?: boolean }).isTTY = true;
  const code = await main(argv, {
    stdout: out,
    stderr: err,
    isTTY: false,
    // Periodic progress lines only when a test asks for them, so other tests see a clean stderr.
    progressIntervalMs: options.progressIntervalMs ?? Number.POSITIVE_INFINITY,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout, stderr };
}

/**
 * A `size`×`size` RGB PNG whose colours derive from `seed` (distinct images for corpus tests),
 * encoded with node:zlib so tests need no image library.
 */
export function testPng(seed: number, size = 16): Buffer {
  const raw = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const o = y * (size * 3 + 1) + 1 + x * 3;
      const inside = x >= seed % size && y >= (seed * 7) % size;
      raw[o] = inside ? (seed * 53) % 256 : (seed * 37) % 256;
      raw[o + 1] = (seed * 91 + x * 8) % 256;
      raw[o + 2] = inside ? 255 - ((seed * 29) % 256) : (y * 16) % 256;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
