import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { isClipkitError, type RawImage } from "@clipkit/core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_FIXTURES } from "../../../../tools/fixtures/images/reference.js";
import { decodeImage } from "./decode.js";

const fixture = (name: string) => join(IMAGE_FIXTURES, name);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-decode-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (e) {
    if (isClipkitError(e)) return { code: e.code, details: { ...e.details } };
    return { code: `not a ClipkitError: ${String(e)}` };
  }
  return {};
}

/** A PNG whose header claims `width × height` (decoding would need that much memory). */
function pngHeader(width: number, height: number): Uint8Array {
  const chunk = (tag: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(tag, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(1024))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("decodeImage", () => {
  it.each([
    ["chelsea.jpg", 451, 300, 3, false],
    ["astronaut_256.png", 256, 256, 3, false],
    ["gray_37x23.png", 37, 23, 1, false],
    ["gray_40x30.jpg", 40, 30, 1, false],
    ["gray16_25x19.png", 25, 19, 1, false],
    ["rgb16_25x19.png", 25, 19, 3, false],
    ["rgba_45x31.png", 45, 31, 4, false],
    ["palette_33x27.png", 33, 27, 3, true],
    ["palette_31x22.gif", 31, 22, 3, true],
    ["lossless_40x30.webp", 40, 30, 3, false],
    ["rgb_40x30.tif", 40, 30, 3, false],
    ["tiny_1x1.png", 1, 1, 3, false],
  ] as const)("decodes %s to %i×%i×%i", async (name, width, height, channels, indexed) => {
    const image = await decodeImage(fixture(name));
    expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({
      width,
      height,
      channels,
    });
    expect(image.data.length).toBe(width * height * channels);
    expect(image.indexed === true).toBe(indexed);
  });

  it("applies EXIF orientation (6 = rotate 90° clockwise, 3 = 180°)", async () => {
    const six = await decodeImage(fixture("exif6_120x80.jpg"));
    const three = await decodeImage(fixture("exif3_120x80.jpg"));
    expect([six.width, six.height]).toEqual([80, 120]);
    expect([three.width, three.height]).toEqual([120, 80]);
    // 180° turns the first row into the reversed last row (same JPEG data in both files).
    const raw = await sharp(fixture("exif3_120x80.jpg"), { autoOrient: false }).raw().toBuffer();
    const last = (80 - 1) * 120 * 3;
    expect(Array.from(three.data.subarray(0, 3))).toEqual(
      Array.from(raw.subarray(last + 119 * 3, last + 120 * 3)),
    );
  });

  it("decodes AVIF", async () => {
    const path = join(dir, "coffee.avif");
    await sharp(fixture("lossless_40x30.webp")).avif({ lossless: true }).toFile(path);
    const avif = await decodeImage(path);
    const webp = await decodeImage(fixture("lossless_40x30.webp"));
    expect([avif.width, avif.height, avif.channels]).toEqual([40, 30, 3]);
    let diff = 0;
    for (let i = 0; i < webp.data.length; i++) diff += Math.abs(avif.data[i]! - webp.data[i]!);
    expect(diff / webp.data.length).toBeLessThan(2);
  });

  it("accepts a path, a file: URL, a Buffer and a Uint8Array alike", async () => {
    const path = fixture("odd_67x45.png");
    const bytes = await readFile(path);
    const results = await Promise.all([
      decodeImage(path),
      decodeImage(pathToFileURL(path)),
      decodeImage(bytes),
      decodeImage(new Uint8Array(bytes)),
    ]);
    for (const r of results.slice(1)) expect(r.data).toEqual(results[0]!.data);
  });

  it("validates and passes through decoded pixels", async () => {
    const raw: RawImage = { width: 2, height: 1, channels: 3, data: new Uint8Array(6) };
    expect(await decodeImage(raw)).toBe(raw);
    const bad = { width: 2, height: 2, channels: 3, data: new Uint8Array(6) } as RawImage;
    expect((await rejection(decodeImage(bad))).code).toBe("IMAGE_INVALID");
  });

  it("reports a missing file as NOT_FOUND with its path", async () => {
    const path = join(dir, "nope.png");
    expect(await rejection(decodeImage(path))).toEqual({ code: "NOT_FOUND", details: { file: path } });
  });

  it("rejects non-file URLs", async () => {
    expect((await rejection(decodeImage(new URL("https://example.com/a.png")))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("reports empty, corrupt and truncated data as IMAGE_DECODE_FAILED naming the file", async () => {
    const empty = join(dir, "empty.png");
    const corrupt = join(dir, "corrupt.jpg");
    const truncatedPng = join(dir, "truncated.png");
    const truncatedJpg = join(dir, "truncated.jpg");
    const png = await readFile(fixture("astronaut_256.png"));
    const jpg = await readFile(fixture("chelsea.jpg"));
    await writeFile(empty, new Uint8Array(0));
    await writeFile(corrupt, Buffer.concat([jpg.subarray(0, 64), Buffer.alloc(4096, 0x5a)]));
    await writeFile(truncatedPng, png.subarray(0, png.length >> 1));
    await writeFile(truncatedJpg, jpg.subarray(0, jpg.length >> 1));
    for (const path of [empty, corrupt, truncatedPng, truncatedJpg]) {
      const r = await rejection(decodeImage(path));
      expect(r, path).toMatchObject({ code: "IMAGE_DECODE_FAILED", details: { file: path } });
    }
    expect((await rejection(decodeImage(new Uint8Array([1, 2, 3])))).code).toBe("IMAGE_DECODE_FAILED");
  });

  it("refuses images over maxPixels from the header, before decoding", async () => {
    const bomb = pngHeader(100_000, 100_000);
    const r = await rejection(decodeImage(bomb));
    expect(r).toMatchObject({ code: "IMAGE_TOO_LARGE", details: { width: 100_000, height: 100_000 } });
    // JPEG: the frame header is read before decoding, so the error carries the size.
    expect(await rejection(decodeImage(fixture("chelsea.jpg"), { maxPixels: 451 * 300 - 1 }))).toMatchObject({
      code: "IMAGE_TOO_LARGE",
      details: { width: 451, height: 300 },
    });
    expect((await decodeImage(fixture("chelsea.jpg"), { maxPixels: 451 * 300 })).width).toBe(451);
    expect((await rejection(decodeImage(fixture("chelsea.jpg"), { maxPixels: 0 }))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});
