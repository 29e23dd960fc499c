/**
 * The few-shot task of the learning curve: Twemoji (the bundled emoji model's validation style,
 * never trained on) drawn in a presentation the model has not seen — on a random coloured
 * background, scaled to 60–95 % of the frame, rotated by up to ±20° and shifted — rendered with
 * sharp from the pinned `@iconify-json/twemoji` package (the same source as tools/data).
 * Every draw is a pure function of (concept, draw number): the set is reproducible.
 */
import sharp from "sharp";
import { seededRandom } from "../../packages/core/src/adapt/rng.js";
import { iconSvg } from "./render.js";
import { loadSources } from "./sources.js";

export interface Concept {
  readonly concept: string;
  readonly icon: string;
  /** Caption = the zero-shot label ("smiling face with heart eyes"). */
  readonly label: string;
}

/** `count` Twemoji concepts evenly spaced through the sorted list (skin tones already dropped). */
export function twemojiConcepts(count: number): {
  concepts: Concept[];
  render: (c: Concept, draw: number) => Promise<Uint8Array>;
} {
  const sources = loadSources();
  const set = sources.sets.get("twemoji")!;
  const items = sources.items
    .filter((i) => i.style.prefix === "twemoji")
    .sort((a, b) => (a.concept < b.concept ? -1 : 1));
  const step = items.length / count;
  const concepts = Array.from({ length: count }, (_, k) => {
    const item = items[Math.floor(k * step)]!;
    return { concept: item.concept, icon: item.icon, label: item.concept.replace(/-/g, " ") };
  });
  const bases = new Map<string, Promise<Buffer>>();
  const base = (c: Concept) => {
    let b = bases.get(c.icon);
    if (!b) {
      b = sharp(Buffer.from(iconSvg(set, c.icon, 256)))
        .resize(256, 256, { fit: "contain", background: { r: 0, g: 0, b: 0, alpha: 0 } })
        .png()
        .toBuffer();
      bases.set(c.icon, b);
    }
    return b;
  };
  const render = async (c: Concept, draw: number): Promise<Uint8Array> => {
    let h = 0x811c9dc5;
    for (const ch of `${c.concept}#${draw}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    const random = seededRandom(h >>> 0);
    const size = 64;
    const px = Math.round(size * (0.6 + 0.35 * random()));
    const angle = (random() * 2 - 1) * 20;
    const hue = random() * 360;
    const [r, g, b] = hsl(hue, 0.25 + 0.5 * random(), 0.35 + 0.5 * random());
    const rotated = await sharp(await base(c))
      .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
      .resize(px, px, { fit: "contain", background: { r: 0, g: 0, b: 0, alpha: 0 }, kernel: "lanczos3" })
      .png()
      .toBuffer();
    const left = Math.floor(random() * (size - px + 1));
    const top = Math.floor(random() * (size - px + 1));
    const { data } = await sharp({
      create: { width: size, height: size, channels: 3, background: { r, g, b } },
    })
      .composite([{ input: rotated, left, top }])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  return { concepts, render };
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** A PNG contact sheet of 64 px RGB tiles, `columns` wide (for docs and eyeballing the set). */
export async function tileSheet(tiles: readonly Uint8Array[], columns: number): Promise<Buffer> {
  const rows = Math.ceil(tiles.length / columns);
  return sharp({ create: { width: columns * 64, height: rows * 64, channels: 3, background: "#ffffff" } })
    .composite(
      tiles.map((t, i) => ({
        input: Buffer.from(t),
        raw: { width: 64, height: 64, channels: 3 as const },
        left: (i % columns) * 64,
        top: Math.floor(i / columns) * 64,
      })),
    )
    .png()
    .toBuffer();
}
