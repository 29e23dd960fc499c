/**
 * The colour Pillow gives a GIF's transparent pixels after `convert("RGB")`: the palette entry of
 * the first frame's transparent index (Pillow decodes GIFs as palette images and also fills the
 * area outside the first frame with that index). libvips returns those pixels as (0, 0, 0, 0),
 * so the decoder paints them with this colour. Null when the first frame has no transparency
 * (or the stream ends early: libvips then reports the damage).
 */
export function gifTransparentColour(bytes: Uint8Array): [number, number, number] | null {
  if (bytes.length < 13) return null;
  const flags = bytes[10]!;
  const globalTable = flags & 0x80 ? { at: 13, size: 3 << ((flags & 7) + 1) } : null;
  let i = 13 + (globalTable?.size ?? 0);
  let transparent: number | null = null;
  while (i < bytes.length) {
    const block = bytes[i]!;
    if (block === 0x21) {
      // Extension: label, then sub-blocks. A Graphic Control Extension (0xF9) may set transparency.
      const label = bytes[i + 1];
      if (label === 0xf9 && i + 7 < bytes.length && bytes[i + 2] === 4) {
        transparent = bytes[i + 3]! & 1 ? bytes[i + 6]! : null;
      }
      i += 2;
      while (i < bytes.length && bytes[i] !== 0) i += bytes[i]! + 1;
      i++;
    } else if (block === 0x2c) {
      if (transparent === null || i + 10 > bytes.length) return null;
      const local = bytes[i + 9]!;
      const table = local & 0x80 ? { at: i + 10, size: 3 << ((local & 7) + 1) } : globalTable;
      if (!table) return null;
      const p = table.at + transparent * 3;
      // An index past the table reads as black in Pillow (its palette is zero-filled).
      if (p + 3 > table.at + table.size || p + 3 > bytes.length) return [0, 0, 0];
      return [bytes[p]!, bytes[p + 1]!, bytes[p + 2]!];
    } else {
      return null; // trailer (0x3B) or damage before the first image
    }
  }
  return null;
}

/** RGBA → RGB, pixels with alpha 0 painted `colour` (Pillow's palette colour for them). */
export function paintTransparent(data: Uint8Array, colour: readonly [number, number, number]): Uint8Array {
  const n = data.length / 4;
  const out = new Uint8Array(n * 3);
  for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
    const clear = data[p + 3] === 0;
    out[o] = clear ? colour[0] : data[p]!;
    out[o + 1] = clear ? colour[1] : data[p + 1]!;
    out[o + 2] = clear ? colour[2] : data[p + 2]!;
  }
  return out;
}
