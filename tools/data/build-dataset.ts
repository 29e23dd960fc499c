/**
 * Builds the emoji image–caption dataset for tools/train, or exports one style as PNGs plus an
 * evaluation manifest for `clipkit eval`.
 *
 *   npx tsx tools/data/build-dataset.ts --out tools/data/out            # tensors for training
 *   npx tsx tools/data/build-dataset.ts --export twemoji --dir /tmp/val  # PNGs + manifest.jsonl
 *   (with --limit N, --unseen-only or --concepts a,b,c to choose a subset, --size to render larger)
 *
 * Rendered images are not committed (only tools/data/manifest.json, the concept list and counts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { caption, isUnseenConcept } from "./names.js";
import { iconSvg, renderSvg, rgbToPng } from "./render.js";
import { type EmojiItem, loadSources } from "./sources.js";
import { STYLES } from "./styles.js";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    export: { type: "string" },
    dir: { type: "string" },
    size: { type: "string", default: "64" },
    limit: { type: "string" },
    "unseen-only": { type: "boolean", default: false },
    concepts: { type: "string" },
    manifest: { type: "string", default: join(import.meta.dirname, "manifest.json") },
  },
});
const size = Number(values.size);
const sources = loadSources();

/** Renders items with a small pool: sharp already uses libvips threads, so 4 in flight is enough. */
async function renderAll(items: readonly EmojiItem[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(items.length);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      const it = items[i]!;
      out[i] = await renderSvg(iconSvg(sources.sets.get(it.style.prefix)!, it.icon, size * 4), size);
      if (++done % 1000 === 0) process.stderr.write(`  rendered ${done}/${items.length}\n`);
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker));
  return out;
}

function counts(): Record<string, { role: string; license: string; images: number; unseen: number }> {
  const result: Record<string, { role: string; license: string; images: number; unseen: number }> = {};
  for (const s of STYLES) {
    const mine = sources.items.filter((it) => it.style.prefix === s.prefix);
    result[s.prefix] = {
      role: s.role,
      license: s.license,
      images: mine.length,
      unseen: mine.filter((it) => isUnseenConcept(it.concept)).length,
    };
  }
  return result;
}

async function buildTensors(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const items = sources.items;
  const pixels = await renderAll(items);
  const flat = new Uint8Array(items.length * size * size * 3);
  for (const [i, p] of pixels.entries()) flat.set(p, i * size * size * 3);
  await writeFile(join(outDir, "images.u8.gz"), gzipSync(flat, { level: 6 }));
  const index = {
    size,
    layout: "N x H x W x 3 uint8 RGB on white, gzip",
    concepts: sources.concepts,
    entries: items.map((it) => ({
      concept: it.concept,
      style: it.style.prefix,
      role: it.style.role,
      unseen: isUnseenConcept(it.concept),
    })),
  };
  await writeFile(join(outDir, "index.json"), JSON.stringify(index));
  process.stderr.write(`wrote ${items.length} images to ${outDir}\n`);
}

async function exportStyle(prefix: string, dir: string): Promise<void> {
  let items = sources.items.filter((it) => it.style.prefix === prefix);
  if (items.length === 0) throw new Error(`no items for style ${prefix}`);
  if (values["unseen-only"]) items = items.filter((it) => isUnseenConcept(it.concept));
  if (values.concepts) {
    const wanted = values.concepts.split(",").map((c) => c.trim());
    const missing = wanted.filter((c) => !items.some((it) => it.concept === c));
    if (missing.length > 0) throw new Error(`${prefix} has no concepts ${missing.join(", ")}`);
    items = wanted.map((c) => items.find((it) => it.concept === c)!);
  }
  if (values.limit) {
    // An evenly spaced subset keeps every region of the alphabet (flags, faces, objects).
    const n = Number(values.limit);
    const step = items.length / n;
    items = Array.from({ length: Math.min(n, items.length) }, (_, i) => items[Math.floor(i * step)]!);
  }
  await mkdir(join(dir, "images"), { recursive: true });
  const pixels = await renderAll(items);
  const lines: string[] = [];
  for (const [i, it] of items.entries()) {
    const file = join(dir, "images", `${it.concept}.png`);
    await writeFile(file, await rgbToPng(pixels[i]!, size));
    lines.push(
      JSON.stringify({
        image: relative(dir, file),
        label: caption(it.concept),
        captions: [caption(it.concept)],
        unseen: isUnseenConcept(it.concept),
      }),
    );
  }
  await writeFile(join(dir, "manifest.jsonl"), `${lines.join("\n")}\n`);
  process.stderr.write(`exported ${items.length} ${prefix} images to ${dir}\n`);
}

async function writeManifest(): Promise<void> {
  const manifest = {
    description:
      "Emoji concepts of @clipkit/model-emoji: rendered from pinned @iconify-json sets by tools/data/build-dataset.ts",
    imageSize: size,
    versions: Object.fromEntries(sources.versions),
    styles: counts(),
    unseenRule: "FNV-1a 32-bit hash of the concept name (UTF-8) mod 10 == 0",
    concepts: sources.concepts.length,
    unseenConcepts: sources.concepts.filter(isUnseenConcept),
    allConcepts: sources.concepts,
  };
  await writeFile(values.manifest!, `${JSON.stringify(manifest, null, 1)}\n`);
}

if (values.export) {
  if (!values.dir) throw new Error("--export needs --dir");
  await exportStyle(values.export, values.dir);
} else if (values.out) {
  await buildTensors(values.out);
  await writeManifest();
} else {
  await writeManifest();
  console.log(JSON.stringify(counts(), null, 1));
}
