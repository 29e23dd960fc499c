import { describe, expect, it } from "vitest";
import { isClipkitError } from "../errors.js";
import { loadHead, readHeadHeader, saveHead } from "../zeroshot/persist.js";
import type { AdaptedHead } from "./head.js";
import { loadAdaptedHead, loadAnyHead, saveAdaptedHead } from "./persist.js";
import { centres, clusters, SPACE, zeroShotFor } from "./test-data.js";
import { ADAPTER_METHODS, trainHead } from "./train.js";

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(isClipkitError(error, code as never)).toBe(true);
    return;
  }
  throw new Error(`expected ClipkitError ${code}`);
}

const cs = centres(4, 16, 1);
const zs = zeroShotFor(cs, 0.5, 2);
const train = clusters(cs, 3, 0.3, 3);
const test = clusters(cs, 5, 0.3, 4);

function trained(method: (typeof ADAPTER_METHODS)[number]): AdaptedHead {
  return trainHead(method, train, { zeroShot: zs, seed: 7, epochs: 2 });
}

describe("adapted head files", () => {
  it.each(ADAPTER_METHODS)("%s round-trips bit-exact and classifies identically", (method) => {
    const head = trained(method);
    const bytes = saveAdaptedHead(head, { note: "test" });
    const header = readHeadHeader(bytes) as ReturnType<typeof readHeadHeader> & {
      adapter: AdaptedHead["adapter"];
    };
    expect(header.version).toBe(2);
    expect(header.adapter).toMatchObject({ method, shots: 3, seed: 7, examples: 12 });
    expect(header.space.id).toBe(SPACE.id);
    expect(header.meta).toEqual({ note: "test" });
    const back = loadAdaptedHead(bytes, { space: SPACE });
    expect(saveAdaptedHead(back, { note: "test" })).toEqual(bytes);
    expect(back.classify(test.embeddings)).toEqual(head.classify(test.embeddings));
    expect(loadAnyHead(bytes)).toBeInstanceOf(Object);
    expect(loadAnyHead(bytes).classify(test.embeddings)).toEqual(head.classify(test.embeddings));
  });

  it("detects corruption, truncation, trailing bytes and the wrong loader", () => {
    const bytes = saveAdaptedHead(trained("tip"));
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 5]! ^= 0x10;
    expectCode(() => loadAdaptedHead(flipped), "HEAD_CORRUPT");
    // A flipped byte in the header (a label, the adapter record) is caught by the header checksum.
    const renamed = Uint8Array.from(bytes);
    renamed[new TextDecoder().decode(bytes).indexOf('"c0"') + 1] = "d".charCodeAt(0);
    expectCode(() => loadAdaptedHead(renamed), "HEAD_CORRUPT");
    expectCode(() => loadAdaptedHead(bytes.subarray(0, bytes.length - 4)), "HEAD_CORRUPT");
    expectCode(() => loadAdaptedHead(Uint8Array.from([...bytes, 0, 0, 0, 0])), "HEAD_CORRUPT");
    expectCode(() => loadHead(bytes), "INVALID_ARGUMENT");
    expectCode(() => loadAdaptedHead(saveHead(zs)), "INVALID_ARGUMENT");
    expectCode(() => loadAdaptedHead(bytes, { space: { ...SPACE, id: "other" } }), "SPACE_MISMATCH");
    expect(loadAnyHead(saveHead(zs)).labels).toEqual(zs.labels);
  });
});

describe("AdaptedHead.classify", () => {
  it("has the zero-shot head's result shape: softmax scores, prototype cosines, OOD signal", () => {
    const head = trained("zs-probe");
    const [r] = head.classify(test.embeddings, { topK: 4 });
    expect(r!.top).toHaveLength(4);
    expect(r!.top.reduce((s, t) => s + t.score, 0)).toBeCloseTo(1, 5);
    for (let i = 1; i < 4; i++) expect(r!.top[i]!.score).toBeLessThanOrEqual(r!.top[i - 1]!.score);
    expect(r!.ood.bestCosine).toBeCloseTo(Math.max(...r!.top.map((t) => t.cosine)), 6);
    expect(r!.ood.reasons).not.toContain("low-cosine");
    // An embedding pointing away from every class is flagged by low cosine.
    const away = new Float32Array(16);
    for (let k = 0; k < 4; k++) for (let t = 0; t < 16; t++) away[t]! -= cs[k]![t]!;
    const [o] = head.classify({ data: away, count: 1, dim: 16, space: SPACE });
    expect(o!.ood.reasons).toContain("low-cosine");
  });

  it("rejects softmax thresholds, scale overrides and other spaces", () => {
    const head = trained("probe");
    expectCode(() => head.classify(test.embeddings, { threshold: 0.5 }), "INVALID_ARGUMENT");
    expectCode(() => head.classify(test.embeddings, { logitScale: 10 }), "INVALID_ARGUMENT");
    expectCode(
      () => head.classify({ ...test.embeddings, space: { ...SPACE, id: "other" } }),
      "SPACE_MISMATCH",
    );
    expect(
      head.classify(test.embeddings, { mode: "sigmoid", threshold: 0.5 })[0]!.top.length,
    ).toBeGreaterThan(0);
  });
});
