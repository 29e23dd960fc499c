import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { float16ToFloat32 } from "../backend/tensor.js";
import { float32ToFloat16 } from "./fp16.js";

describe("float32ToFloat16", () => {
  it("round-trips every finite half exactly", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const widened = float16ToFloat32(all);
    const back = float32ToFloat16(widened);
    for (let i = 0; i < 65536; i++) {
      const e = (i >> 10) & 0x1f;
      if (e === 31 && i & 0x3ff) continue; // NaN payloads need not survive
      expect(back[i]).toBe(i);
    }
  });

  it("rounds to the nearest half (ties to even)", () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const h = float32ToFloat16(new Float32Array([x]));
        const y = float16ToFloat32(h)[0]!;
        // Neighbours one half-ulp step away must not be closer to x.
        const sign = h[0]! & 0x8000;
        const mag = h[0]! & 0x7fff;
        const err = Math.abs(y - x);
        for (const m of [mag - 1, mag + 1]) {
          if (m < 0 || m > 0x7bff) continue;
          const other = float16ToFloat32(new Uint16Array([sign | m]))[0]!;
          if (Math.abs(other - x) < err) return false;
          // Ties go to the even mantissa.
          if (Math.abs(other - x) === err && (mag & 1) === 1) return false;
        }
        return true;
      }),
    );
    expect(float32ToFloat16(new Float32Array([1e6, -1e6, 1e-9]))).toEqual(
      new Uint16Array([0x7c00, 0xfc00, 0]),
    );
  });
});
