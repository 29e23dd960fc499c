/**
 * The CLI's small conveniences, each pinned: built-in label lists, duplicate labels in a file,
 * the runtime flags, and what `--model` may name.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClipkitError, isClipkitError } from "@clipkit/core";
import { imagenetClassNames } from "@clipkit/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinLabelLists, builtinLabels, readLabels, readLabelsFile } from "./labels.js";
import { isHubId, resolveModelRef } from "./model-ref.js";
import { parseRuntimeFlags } from "./runtime.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-friction-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(fn: () => unknown): Promise<ClipkitError> {
  try {
    await fn();
  } catch (error) {
    if (isClipkitError(error)) return error;
    throw error;
  }
  throw new Error("expected a ClipkitError");
}

describe("--labels built-in lists", () => {
  it("imagenet gives 1000 unique labels in class order; repeated names keep their prompt name", async () => {
    const specs = await readLabels(["imagenet"], undefined);
    expect(specs).toHaveLength(1000);
    expect(new Set(specs.map((s) => s.label)).size).toBe(1000);
    // ImageNet really does name two classes the same; the label tells them apart, the prompt does not.
    const twice = imagenetClassNames.findIndex((n, i) => imagenetClassNames.indexOf(n) !== i);
    expect(twice).toBeGreaterThan(0);
    expect(specs[twice]!.label).toBe(`${imagenetClassNames[twice]} [${twice}]`);
    expect(specs[twice]!.names).toEqual([imagenetClassNames[twice]]);
  });

  it("every built-in list is de-duplicated and non-empty; a comma list is literal labels", async () => {
    expect(builtinLabelLists()).toContain("cifar10");
    for (const name of builtinLabelLists()) {
      const specs = builtinLabels(name)!;
      expect(specs.length, name).toBeGreaterThan(0);
      expect(new Set(specs.map((s) => s.label)).size, name).toBe(specs.length);
    }
    expect((await readLabels(["cifar10"], undefined)).map((s) => s.label)).toContain("airplane");
    expect((await readLabels(["cat,cifar10"], undefined)).map((s) => s.label)).toEqual(["cat", "cifar10"]);
    expect(builtinLabels("no-such-list")).toBeUndefined();
  });

  it("a label given twice across --labels and --labels-file is PROMPT_INVALID", async () => {
    const f = join(dir, "one.txt");
    await writeFile(f, "cat\n");
    const e = await failure(() => readLabels(["cat,dog"], f));
    expect(e.code).toBe("PROMPT_INVALID");
    expect(e.message).toMatch(/"cat" is given twice/);
  });
});

describe("--labels-file with duplicates", () => {
  it("names the file and line, the first occurrence, and suggests the de-duplicated list", async () => {
    const f = join(dir, "dups.txt");
    await writeFile(f, "# pets\ncat\ndog\n\ncat\nbird\ndog\n");
    const e = await failure(() => readLabelsFile(f));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toContain(`${f}:5: duplicate label "cat" (first on line 2)`);
    expect(e.message).toContain("and 1 more duplicate line(s)");
    expect(e.message).toContain("The de-duplicated list has 3 labels: cat, dog, bird");
    expect(e.message).toContain(`awk 'NF && !seen[$0]++' ${f}`);
    expect(e.details).toMatchObject({ line: 5, label: "cat", unique: ["cat", "dog", "bird"] });
    await writeFile(f, "cat\ndog\n");
    expect(await readLabelsFile(f)).toEqual(["cat", "dog"]);
  });
});

describe("runtime flags", () => {
  it("parses threads, execution providers, dtype and batch size", () => {
    expect(parseRuntimeFlags({})).toEqual({ backend: {}, dtype: "fp32", batchSize: 32 });
    expect(
      parseRuntimeFlags({ threads: "2", device: "CUDA, cpu", dtype: "fp16", "batch-size": "4" }),
    ).toEqual({
      backend: { intraOpThreads: 2, executionProviders: ["cuda", "cpu"] },
      dtype: "fp16",
      batchSize: 4,
    });
  });

  it("rejects bad values naming the flag", async () => {
    for (const [values, flag] of [
      [{ threads: "0" }, "--threads"],
      [{ device: " , " }, "--device"],
      [{ dtype: "fp8" }, "--dtype"],
      [{ "batch-size": "x" }, "--batch-size"],
    ] as const) {
      const e = await failure(() => parseRuntimeFlags(values));
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect(e.message).toContain(flag);
    }
  });
});

describe("--model", () => {
  it("accepts a folder and says what is wrong with anything else", async () => {
    expect(await resolveModelRef(dir)).toEqual({ kind: "folder", dir });
    const file = join(dir, "model.onnx");
    await writeFile(file, "x");
    expect((await failure(() => resolveModelRef(file))).message).toMatch(/is a file; pass the model folder/);
    // A hub id is fetched (tested against a local hub server in commands/download.test.ts).
    const neither = await failure(() => resolveModelRef("./no/such/dir/"));
    expect(neither.message).toMatch(/is neither a folder nor a hub id \(owner\/name/);
  });

  it("recognises hub-id-shaped strings only", () => {
    for (const id of ["openai/clip-vit-base-patch32", "Xenova/siglip-base-patch16-224", "a/b@main"])
      expect(isHubId(id), id).toBe(true);
    for (const s of ["models", "./models/x", "/abs/path", "a/b/c", "a b/c", ""])
      expect(isHubId(s), s).toBe(false);
  });
});
