/**
 * Peak RSS of image embedding at default settings (not a timed test): the bundled emoji model
 * (`@clipkit/model-emoji`, default batch 32, default memory budget 512 MiB) embeds a gallery of
 * 2,000 mixed images — variants of the real photos in tools/fixtures/images at 0.3–12 megapixels,
 * as JPEG, PNG, WebP, GIF, TIFF and BMP — in one `embedImages` call, the way `clipkit index`
 * feeds it. Each scenario runs in its own process and reports `process.resourceUsage().maxRSS`:
 *
 * - `gallery`: the 2,000 images, default settings;
 * - `gallery-subset` / `gallery-subset-unbounded`: the first `--compare` (256) images with the
 *   default budget and with the budget lifted (every image of a batch decoded at once, as before
 *   the budget existed), side by side;
 * - `photos24` (and `photos24-unbounded`, run with `--child` only): 64 24-megapixel JPEGs
 *   (6000×4500) in one call (two default batches);
 * - `bombs`: four legal 13000×13000 RGB PNGs (~500 KB each on disk) in one call.
 *
 *   npx tsx --conditions=@clipkit/source bench/decode-rss.bench.ts [--dir /tmp/clipkit-rss] [--images 2000] [--compare 128]
 *
 * The inputs are generated once into `--dir` (36 variants, ~30 MB, hard-linked 2,000 times) and reused.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { link, mkdir, readdir, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadClipModel } from "@clipkit/backend-node";
import { emojiModelDir } from "@clipkit/model-emoji";
import sharp from "sharp";
import { zeroPng } from "../packages/backend-node/src/image/png-bomb.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: "/tmp/clipkit-rss" },
    images: { type: "string", default: "2000" },
    compare: { type: "string", default: "128" },
    child: { type: "string" },
  },
});
const DIR = values.dir;
const COUNT = Number.parseInt(values.images, 10);
const COMPARE = Number.parseInt(values.compare, 10);
const VARIANTS = 36;
const PHOTOS = fileURLToPath(new URL("../tools/fixtures/images/", import.meta.url));
const SOURCES = ["chelsea.jpg", "coffee.jpg", "astronaut_256.png", "odd_225x301.jpg"];
// Long sides in pixels (4:3 or 3:4 shapes): mostly phone-to-camera sizes, a few 24-megapixel ones.
const SIDES = [640, 800, 1024, 1280, 1600, 2048, 1024, 800, 1280, 3000, 1600, 4000];
const FORMATS = ["jpeg", "jpeg", "jpeg", "png", "webp", "jpeg", "webp", "gif", "tiff", "bmp"] as const;

/** A BMP writer (24-bit, bottom-up): sharp cannot write BMP. */
function bmp24(rgb: Buffer, width: number, height: number): Buffer {
  const stride = (width * 3 + 3) & ~3;
  const out = Buffer.alloc(54 + stride * height);
  out.write("BM", 0, "latin1");
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      out[row + x * 3] = rgb[p + 2]!;
      out[row + x * 3 + 1] = rgb[p + 1]!;
      out[row + x * 3 + 2] = rgb[p]!;
    }
  }
  return out;
}

/**
 * The gallery: `COUNT` regular files, hard links to `VARIANTS` distinct encoded variants (encoding
 * 2,000 multi-megapixel files takes far longer than embedding them; decoding cost and memory are
 * the same for a link as for a copy).
 */
async function makeGallery(): Promise<string[]> {
  const variants = join(DIR, "variants");
  const dir = join(DIR, "gallery");
  await mkdir(variants, { recursive: true });
  await mkdir(dir, { recursive: true });
  const made = await makeVariants(variants);
  const have = new Set(await readdir(dir));
  const paths: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const source = made[(i * 37) % made.length]!;
    const name = `img${String(i).padStart(4, "0")}${extname(source)}`;
    paths.push(join(dir, name));
    if (!have.has(name)) await link(source, join(dir, name));
  }
  return paths;
}

async function makeVariants(dir: string): Promise<string[]> {
  const have = new Set(await readdir(dir));
  const paths: string[] = [];
  for (let i = 0; i < VARIANTS; i++) {
    const format = FORMATS[i % FORMATS.length]!;
    const long = format === "bmp" || format === "gif" ? 1024 : SIDES[(i * 7) % SIDES.length]!;
    const name = `v${String(i).padStart(3, "0")}.${format === "jpeg" ? "jpg" : format === "tiff" ? "tif" : format}`;
    paths.push(join(dir, name));
    if (have.has(name)) continue;
    const [w, h] = i % 3 === 0 ? [Math.round((long * 3) / 4), long] : [long, Math.round((long * 3) / 4)];
    // A variant of a real photo: resized, mirrored and brightened per index.
    let img = sharp(join(PHOTOS, SOURCES[i % SOURCES.length]!))
      .resize(w, h, { fit: "fill" })
      .linear(0.8 + (i % 5) * 0.1, (i * 13) % 40);
    if (i % 4 === 1) img = img.flop();
    if (format === "bmp") {
      const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      await writeFile(join(dir, name), bmp24(data, info.width, info.height));
      continue;
    }
    img = img.toFormat(
      format,
      format === "jpeg" ? { quality: 85 } : format === "webp" ? { quality: 80 } : {},
    );
    await writeFile(join(dir, name), await img.toBuffer());
  }
  return paths;
}

async function makePhotos24(): Promise<string[]> {
  const dir = join(DIR, "photos24");
  await mkdir(dir, { recursive: true });
  const source = join(dir, "source.jpg");
  if (!existsSync(source)) {
    const img = sharp(join(PHOTOS, "coffee.jpg")).resize(6000, 4500, { fit: "fill" }).jpeg({ quality: 90 });
    await writeFile(source, await img.toBuffer());
  }
  const paths = Array.from({ length: 64 }, (_, i) => join(dir, `photo${i}.jpg`));
  for (const p of paths) if (!existsSync(p)) await link(source, p);
  return paths;
}

async function makeBombs(): Promise<string[]> {
  const dir = join(DIR, "bombs");
  await mkdir(dir, { recursive: true });
  const paths = [0, 1, 2, 3].map((i) => join(dir, `legal_13000_${i}.png`));
  for (const p of paths) if (!existsSync(p)) await writeFile(p, await zeroPng(13000, 13000, 2));
  return paths;
}

const mb = (kb: number) => Math.round(kb / 1024);

async function child(scenario: string): Promise<void> {
  const paths = scenario.startsWith("photos24")
    ? await makePhotos24()
    : scenario === "bombs"
      ? await makeBombs()
      : (await makeGallery()).slice(0, scenario === "gallery" ? COUNT : COMPARE);
  // "unbounded": the budget lifted, so every image of a batch decodes at once (the old behaviour).
  const unbounded = scenario.endsWith("-unbounded");
  const model = await loadClipModel(emojiModelDir, unbounded ? { memoryBudget: 2 ** 50 } : {});
  await model.embedImages([join(PHOTOS, "chelsea.jpg")]); // warm up: sessions allocated, no test input

  const loaded = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const embeddings = await model.embedImages(paths);
  const seconds = (performance.now() - t0) / 1000;
  await model.release();
  const peak = process.resourceUsage().maxRSS;
  console.log(
    JSON.stringify({
      scenario,
      images: embeddings.count,
      loadedMB: mb(loaded),
      peakMB: mb(peak),
      seconds: Math.round(seconds),
    }),
  );
}

async function main(): Promise<void> {
  if (values.child) return child(values.child);
  console.log(`generating inputs in ${DIR} (once)…`);
  await makeGallery();
  await makePhotos24();
  await makeBombs();
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, unknown>[] = [];
  for (const scenario of ["bombs", "photos24", "gallery-subset", "gallery-subset-unbounded", "gallery"]) {
    const out = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        self,
        "--child",
        scenario,
        "--dir",
        DIR,
        "--images",
        String(COUNT),
        "--compare",
        String(COMPARE),
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    const row = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;
    rows.push(row);
    console.log(row);
  }
  console.log(
    "\n| scenario | images | RSS after load (MB) | peak RSS (MB) | wall s |\n|---|---|---|---|---|",
  );
  for (const r of rows)
    console.log(`| ${r.scenario} | ${r.images} | ${r.loadedMB} | ${r.peakMB} | ${r.seconds} |`);
}

await main();
