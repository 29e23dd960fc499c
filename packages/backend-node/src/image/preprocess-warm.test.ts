import { spawnSync } from "node:child_process";
import { parsePreprocessorConfig, preprocessBatch } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { nodeImagePreparer } from "../model/prepare.js";
import { decodeImage } from "./decode.js";
import { PreprocessPool } from "./preprocess-pool.js";
import { workerExecArgv } from "./worker-exec-argv.js";

// PreprocessPool.warm (the cold-start hook; issue #18): jobs queue on workers that are still booting.
const IMAGES = new URL("../../../../tools/fixtures/images/", import.meta.url);
const config = parsePreprocessorConfig({ image_size: 64 });
// Workers load tsx and the sources first when run from source: allow for a slow, shared machine.
const SLOW = 120_000;

describe("PreprocessPool.warm", () => {
  it(
    "sends the first batch to a worker that has not loaded yet, with bit-identical pixels",
    async () => {
      const cold = new PreprocessPool(1);
      const warm = new PreprocessPool(1);
      try {
        // Without warm() the first batch is prepared in-thread (no worker is booted for it).
        expect(cold.ready()).toBe(false);
        const prepare = nodeImagePreparer(config, { workers: warm });
        // The preparer no longer warms its pool itself (see the test below): a caller may.
        expect(prepare.warm).toBeUndefined();
        warm.warm();
        // Right after warm() no worker can have loaded yet, but jobs go to the workers.
        expect(warm.ready()).toBe(true);
        const path = new URL("chelsea.jpg", IMAGES).pathname;
        const viaWorker = await prepare([path, path]);
        const expected = preprocessBatch([await decodeImage(path), await decodeImage(path)], config);
        expect(viaWorker.dims).toEqual(expected.dims);
        expect(viaWorker.data).toEqual(expected.data);
      } finally {
        await Promise.all([cold.close(), warm.close()]);
      }
    },
    SLOW,
  );

  it(
    "a one-batch image job with decode workers boots none: its batch is decoded in-thread",
    () => {
      // Issue #18: a worker booted beside the vision session's creation (the old warm hook) put a
      // second V8 isolate with sharp into the cold start's peak RSS. Now the first batch is
      // prepared on the JavaScript thread (sharp loads there) and workers start with the second
      // batch. Worker constructions are counted through the builtin's live ESM binding.
      const code = `
      import { createRequire, syncBuiltinESMExports } from "node:module";
      const require = createRequire(import.meta.url);
      const threads = require("node:worker_threads");
      let booted = 0;
      const Plain = threads.Worker;
      threads.Worker = class extends Plain { constructor(...a) { super(...a); booted++; } };
      syncBuiltinESMExports();
      const { loadClipModel } = await import(${JSON.stringify(new URL("../index.ts", import.meta.url).href)});
      const model = await loadClipModel(${JSON.stringify(new URL("../../../../fixtures/models/tiny-clip", import.meta.url).pathname)}, { decodeWorkers: 1 });
      const image = ${JSON.stringify(new URL("chelsea.jpg", IMAGES).pathname)};
      const first = await model.embedImages([image]);
      const sharp = Object.keys(require.cache).filter((k) => /@img[\\/]sharp-/.test(k)).length;
      const afterFirst = booted;
      const more = await model.embedImages([image, image, image], { batchSize: 1 });
      console.log(JSON.stringify({ rows: first.count + more.count, sharp: sharp > 0, afterFirst, afterMore: booted }));
      await model.release();
    `;
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", "--conditions=@clipkit/source", "--input-type=module", "-e", code],
        { encoding: "utf8", timeout: SLOW, env: { ...process.env, HF_HUB_OFFLINE: "1" } },
      );
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual({
        rows: 4,
        sharp: true,
        afterFirst: 0,
        afterMore: 1,
      });
    },
    SLOW,
  );
});

describe("workerExecArgv", () => {
  it("drops module loaders (both spellings) and keeps every other option", () => {
    expect(
      workerExecArgv([
        "--import",
        "tsx",
        "--conditions=@clipkit/source",
        "--loader=ts-node/esm",
        "--require",
        "./setup.cjs",
        "--experimental-loader",
        "x.mjs",
        "--import=./otel.mjs",
        "--trace-warnings",
      ]),
    ).toEqual(["--conditions=@clipkit/source", "--require", "./setup.cjs", "--trace-warnings"]);
    expect(workerExecArgv([])).toEqual([]);
  });
});
