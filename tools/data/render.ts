/**
 * Renders one Iconify icon to RGB pixels on white with sharp.
 */
import sharp from "sharp";

/** The parts of an Iconify `icons.json` the renderer needs. */
export interface IconSet {
  readonly prefix: string;
  readonly width?: number;
  readonly height?: number;
  readonly left?: number;
  readonly top?: number;
  readonly icons: Readonly<
    Record<string, { body: string; width?: number; height?: number; left?: number; top?: number }>
  >;
}

/**
 * The SVG document of `name`, honouring per-icon viewBox overrides over the set defaults, sized so
 * its longer side is `pixels` (the viewBox units differ per set: 32 for Fluent, 512 for fxemoji).
 */
export function iconSvg(set: IconSet, name: string, pixels = 256): string {
  const icon = set.icons[name];
  if (!icon) throw new Error(`icon ${set.prefix}:${name} does not exist`);
  // Iconify's documented defaults: 16×16 at the origin when neither icon nor set says otherwise.
  const width = icon.width ?? set.width ?? 16;
  const height = icon.height ?? set.height ?? 16;
  const left = icon.left ?? set.left ?? 0;
  const top = icon.top ?? set.top ?? 0;
  const scale = pixels / Math.max(width, height);
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="${left} ${top} ${width} ${height}">${icon.body}</svg>`;
}

/**
 * Rasterises an SVG to `size`×`size` RGB on white. Non-square viewBoxes are letterboxed (contain)
 * so the emoji keeps its aspect ratio, as an emoji keyboard shows it.
 */
export async function renderSvg(svg: string, size: number): Promise<Uint8Array> {
  // iconSvg sizes the document at 4× the target: downscaling with lanczos anti-aliases thin strokes.
  const { data, info } = await sharp(Buffer.from(svg))
    .resize(size, size, { fit: "contain", background: "#ffffff", kernel: "lanczos3" })
    .flatten({ background: "#ffffff" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(`unexpected render ${info.width}x${info.height}x${info.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes RGB pixels as PNG (for demo assets and evaluation folders). */
export async function rgbToPng(rgb: Uint8Array, size: number): Promise<Buffer> {
  return sharp(Buffer.from(rgb), { raw: { width: size, height: size, channels: 3 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
