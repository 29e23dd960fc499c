import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ModelFiles } from "../backend/session.js";
import {
  formatScoringRecord,
  parseScoringRecord,
  readScoringRecord,
  scoringRecordFromScan,
  scoringRecordPath,
} from "./scoring-record.js";

const COMMIT = "a".repeat(40);
const OTHER = "b".repeat(40);
const GRAPH = "onnx/model.onnx";

function folder(location: string, files: Record<string, string>): ModelFiles {
  return {
    location,
    exists: async (p) => p in files,
    read: async (p) => new TextEncoder().encode(files[p]),
    readText: async (p) => files[p]!,
  };
}

describe("scoring record", () => {
  it("round-trips any positive finite scale and finite bias exactly", () => {
    fc.assert(
      fc.property(
        fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }),
        // JSON has no -0 (a bias of -0 adds nothing either way).
        fc.option(
          fc.double({ noNaN: true, noDefaultInfinity: true }).map((b) => b + 0),
          { nil: undefined },
        ),
        (scale, bias) => {
          const record = {
            format: 1 as const,
            graph: GRAPH,
            commit: COMMIT,
            size: 7,
            scale,
            ...(bias === undefined ? {} : { bias }),
          };
          const back = parseScoringRecord(formatScoringRecord(record), { graph: GRAPH, commit: COMMIT });
          expect(back?.scale).toBe(scale);
          expect(back?.bias).toBe(bias);
        },
      ),
    );
  });

  it("ignores another commit or graph, another format, bad numbers and broken JSON", () => {
    const good = formatScoringRecord({ format: 1, graph: GRAPH, commit: COMMIT, scale: 100 });
    const expected = { graph: GRAPH, commit: COMMIT };
    expect(parseScoringRecord(good, expected)?.scale).toBe(100);
    expect(parseScoringRecord(good, { graph: GRAPH, commit: OTHER })).toBeUndefined();
    expect(parseScoringRecord(good, { graph: "onnx/model_fp16.onnx", commit: COMMIT })).toBeUndefined();
    for (const bad of [
      good.slice(0, -5),
      "null",
      "[]",
      JSON.stringify({ format: 2, graph: GRAPH, commit: COMMIT, scale: 100 }),
      JSON.stringify({ format: 1, graph: GRAPH, commit: COMMIT, scale: -1 }),
      JSON.stringify({ format: 1, graph: GRAPH, commit: COMMIT, scale: "100" }),
      JSON.stringify({ format: 1, graph: GRAPH, commit: COMMIT, scale: 100, bias: null }),
    ]) {
      expect(parseScoringRecord(bad, expected)).toBeUndefined();
    }
  });

  it("is valid only in the snapshot folder named by its commit", async () => {
    const text = formatScoringRecord({ format: 1, graph: GRAPH, commit: COMMIT, scale: 117, bias: -12.5 });
    const files = { [scoringRecordPath(GRAPH)]: text };
    expect(scoringRecordPath(GRAPH)).toBe("onnx/model.onnx.clipkit-scoring.json");
    expect(
      await readScoringRecord(folder(`/c/models--o--n/snapshots/${COMMIT}`, files), GRAPH),
    ).toMatchObject({
      scale: 117,
      bias: -12.5,
    });
    expect(await readScoringRecord(folder(`/c/models--o--n/snapshots/${OTHER}/`, files), GRAPH)).toBe(
      "invalid",
    );
    expect(await readScoringRecord(folder(`/c/snapshots/${COMMIT}`, {}), GRAPH)).toBeUndefined();
  });

  it("records scanned constants only where they fit the model type, and parses back what it built", () => {
    const scan = { graph: GRAPH, commit: COMMIT, size: 7, label: "https://hub/o/n/onnx/model.onnx" };
    const clip = scoringRecordFromScan({ scale: 100 }, { ...scan, modelType: "clip", etag: "e1" });
    expect(clip).toEqual({ format: 1, graph: GRAPH, commit: COMMIT, etag: "e1", size: 7, scale: 100 });
    const siglip = scoringRecordFromScan({ scale: 117, bias: -12.5 }, { ...scan, modelType: "siglip" });
    expect(siglip).toEqual({ format: 1, graph: GRAPH, commit: COMMIT, size: 7, scale: 117, bias: -12.5 });
    expect(parseScoringRecord(formatScoringRecord(siglip!), { graph: GRAPH, commit: COMMIT })).toEqual(
      siglip,
    );
    expect(
      scoringRecordFromScan({ scale: 100 }, { ...scan, modelType: "clip", size: undefined }),
    ).not.toHaveProperty("size");
    for (const [modelType, constants] of [
      ["clip", undefined],
      ["clip", { scale: 100, bias: -10 }], // a bias CLIP's softmax has no place for
      ["siglip", { scale: 10 }], // SigLIP without its bias
      ["clip", { scale: 0 }],
      ["clip", { scale: Number.POSITIVE_INFINITY }], // rejected as MODEL_CONFIG_INVALID, not thrown
      ["siglip", { scale: 10, bias: Number.NaN }],
    ] as const) {
      expect(scoringRecordFromScan(constants, { ...scan, modelType })).toBeUndefined();
    }
  });
});
