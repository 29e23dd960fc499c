/**
 * Test helpers for image code (test-only: not exported from the package index, not published).
 */
import fc from "fast-check";
import type { RawImage } from "./types.js";

/**
 * Any {@link RawImage} up to `maxSide` pixels a side with 1–4 channels and arbitrary bytes, for
 * property tests of resampling and preprocessing.
 */
export function rawImages(maxSide = 48): fc.Arbitrary<RawImage> {
  const side = fc.integer({ min: 1, max: maxSide });
  return fc
    .record({
      width: side,
      height: side,
      channels: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
    })
    .chain(({ width, height, channels }) =>
      fc
        .uint8Array({ minLength: width * height * channels, maxLength: width * height * channels })
        .map((data): RawImage => ({ width, height, channels, data })),
    );
}
