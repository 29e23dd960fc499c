import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectClipkitError } from "../testing.js";
import { ZeroShotHead } from "./head.js";
import { HEAD_MAGIC, loadHead, readHeadHeader, saveHead } from "./persist.js";

const SPACE = { id: "openai/clip-vit-base-patch32", dim: 4, normalized: true };

function sample(): ZeroShotHead {
  return new ZeroShotHead({
    labels: ["cat", "chien", "猫"],
    weights: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)),
    space: SPACE,
    scoring: { kind: "softmax", logitScale: 100 },
    promptsHash: "0123456789abcdef",
  });
}

describe("head persistence", () => {
  it("round-trips bit-exact, labels, space, scoring and meta included (property)", () => {
    const labels = fc.uniqueArray(
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ""),
      {
        minLength: 1,
        maxLength: 6,
      },
    );
    const scoring = fc.oneof(
      fc.constant({ kind: "softmax" as const, logitScale: 100 }),
      fc.constant({ kind: "sigmoid" as const, logitScale: 117.33, logitBias: -12.9 }),
    );
    fc.assert(
      fc.property(labels, fc.integer({ min: 1, max: 9 }), scoring, fc.string(), (ls, dim, sc, id) => {
        const weights = Float32Array.from({ length: ls.length * dim }, (_, i) =>
          Math.fround(Math.cos(i * 7.3) / 3),
        );
        weights[0] = -0; // sign of zero must survive too
        const head = new ZeroShotHead({
          labels: ls,
          weights,
          space: { id, dim, normalized: true },
          scoring: sc,
          promptsHash: "h",
        });
        const bytes = saveHead(head, { templates: "imagenet80" });
        const back = loadHead(bytes);
        expect(back.labels).toEqual(ls);
        expect(back.space).toEqual(head.space);
        expect(back.scoring).toEqual(sc);
        expect(new Uint8Array(back.weights.buffer)).toEqual(new Uint8Array(weights.buffer));
        expect(Object.is(back.weights[0], -0)).toBe(true);
        expect(readHeadHeader(bytes).meta).toEqual({ templates: "imagenet80" });
        expect(readHeadHeader(bytes).weightsOffset % 4).toBe(0);
      }),
    );
  });

  it("detects any change to the header: a label ('rocket' → 'pocket'), the scoring, every single byte", () => {
    const head = new ZeroShotHead({
      labels: ["rocket", "cat"],
      weights: Float32Array.from({ length: 8 }, (_, i) => i / 10),
      space: SPACE,
      scoring: { kind: "softmax", logitScale: 100 },
      promptsHash: "h",
    });
    const bytes = saveHead(head);
    const text = new TextDecoder().decode(bytes);
    const edit = (from: string, to: string) => {
      const at = text.indexOf(from);
      expect(at).toBeGreaterThan(0);
      const out = bytes.slice();
      out.set(new TextEncoder().encode(to), at);
      return out;
    };
    expectClipkitError(() => loadHead(edit('"rocket"', '"pocket"')), "HEAD_CORRUPT");
    expectClipkitError(() => loadHead(edit('"logitScale":100', '"logitScale":900')), "HEAD_CORRUPT");
    const { weightsOffset } = readHeadHeader(bytes);
    for (let i = 16; i < weightsOffset; i++) {
      for (const bit of [0x01, 0x20]) {
        const flipped = bytes.slice();
        flipped[i]! ^= bit;
        let ok = true;
        try {
          loadHead(flipped);
        } catch {
          ok = false;
        }
        // Bits in the zero padding before the weights carry nothing; every header bit is checked.
        const header = readHeadHeader(bytes);
        const jsonEnd = weightsOffset - ((4 - ((16 + JSON.stringify(header).length) % 4)) % 4);
        if (i < jsonEnd) expect(ok, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it("detects truncation at every length and trailing bytes", () => {
    const bytes = saveHead(sample());
    for (let n = 0; n < bytes.length; n++)
      expectClipkitError(() => loadHead(bytes.subarray(0, n)), "HEAD_CORRUPT");
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expectClipkitError(() => loadHead(longer), "HEAD_CORRUPT");
  });

  it("detects a flipped weight bit, bad magic, unknown version and a broken header", () => {
    const bytes = saveHead(sample());
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    expectClipkitError(() => loadHead(flipped), "HEAD_CORRUPT");
    const magic = bytes.slice();
    magic[0] = 0;
    expectClipkitError(() => loadHead(magic), "HEAD_CORRUPT");
    const version = bytes.slice();
    version[8] = 9;
    expectClipkitError(() => loadHead(version), "HEAD_CORRUPT");
    const header = bytes.slice();
    header[16] = "]".charCodeAt(0);
    expectClipkitError(() => loadHead(header), "HEAD_CORRUPT");
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(HEAD_MAGIC);
  });

  it("refuses to load into a different model space", () => {
    const bytes = saveHead(sample());
    expect(loadHead(bytes, { space: SPACE }).size).toBe(3);
    expectClipkitError(
      () => loadHead(bytes, { space: { ...SPACE, id: "google/siglip-base-patch16-224" } }),
      "SPACE_MISMATCH",
    );
    expectClipkitError(() => loadHead(bytes, { space: { ...SPACE, dim: 8 } }), "SPACE_MISMATCH");
  });
});
