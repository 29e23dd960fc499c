import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COLLECT_BEFORE_CREATE_BYTES, collectBeforeCreate } from "./collect.js";

/** A WeakRef whose target nothing else holds (made in its own frame, so no local keeps it). */
function unreferenced(): WeakRef<object> {
  return new WeakRef({ pixels: new Uint8Array(1024) });
}

describe("collectBeforeCreate (the load's garbage is collected before a big session is created)", () => {
  it("collects before a graph of at least the threshold, and not before a small one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clipkit-collect-"));
    try {
      const big = join(dir, "big.onnx");
      const small = join(dir, "small.onnx");
      // Sparse: the size counts, no disk is written.
      await writeFile(big, "");
      await truncate(big, COLLECT_BEFORE_CREATE_BYTES);
      await writeFile(small, new Uint8Array(16));
      const ref = unreferenced();
      // A WeakRef's target survives the turn that made it; the stat inside is a later turn.
      expect(await collectBeforeCreate(big)).toBe(true);
      expect(ref.deref()).toBeUndefined();
      expect(await collectBeforeCreate(small)).toBe(false);
      expect(await collectBeforeCreate(small, 16)).toBe(true);
      // A path onnxruntime will refuse is left to it.
      expect(await collectBeforeCreate(join(dir, "missing.onnx"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
