import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { parsePreprocessorConfig, preprocessBatch } from "@clipkit/core";
import { describe, expect, it } from "vitest";
import { nodeImagePreparer } from "../model/prepare.js";
import { decodeImage } from "./decode.js";
import { PreprocessPool } from "./preprocess-pool.js";
import { invalidExecArgv, startWorker, workerExecArgv } from "./worker-exec-argv.js";

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
        prepare.warm!();
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
    "an image-only job with decode workers never loads sharp on the JavaScript thread",
    () => {
      // sharp is imported on first decode (~0.1 s of CPU); with warm() every batch is decoded by a
      // worker, so the main thread of a cold image-only job skips it. sharp's native addon
      // (@img/sharp-<platform>) is loaded through require, so it shows in require.cache; the
      // same check with decodeWorkers: 0 lists it.
      const code = `
      import { createRequire } from "node:module";
      const { loadClipModel } = await import(${JSON.stringify(new URL("../index.ts", import.meta.url).href)});
      const model = await loadClipModel(${JSON.stringify(new URL("../../../../fixtures/models/tiny-clip", import.meta.url).pathname)}, { decodeWorkers: Number(process.argv[1]) });
      const e = await model.embedImages([${JSON.stringify(new URL("chelsea.jpg", IMAGES).pathname)}]);
      const sharp = Object.keys(createRequire(import.meta.url).cache).filter((k) => /@img[\\\\/]sharp-/.test(k));
      console.log(JSON.stringify({ rows: e.count, sharp: sharp.length }));
      await model.release();
    `;
      const run = (workers: number) => {
        const r = spawnSync(
          process.execPath,
          [
            "--import",
            "tsx",
            "--conditions=@clipkit/source",
            "--input-type=module",
            "-e",
            code,
            String(workers),
          ],
          { encoding: "utf8", timeout: SLOW, env: { ...process.env, HF_HUB_OFFLINE: "1" } },
        );
        expect(r.stderr).toBe("");
        return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      };
      expect(run(1)).toEqual({ rows: 1, sharp: 0 });
      expect(run(0).sharp).toBeGreaterThan(0);
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
    // Nothing to drop: undefined, so the worker inherits execArgv (V8 flags included) as by default.
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(["--max-old-space-size=4096", "--trace-warnings"])).toBeUndefined();
  });
});

describe("startWorker", () => {
  const echo = async () => {
    const dir = await mkdtemp(join(tmpdir(), "clipkit-worker-"));
    const file = join(dir, "echo.mjs");
    await writeFile(
      file,
      'import { parentPort } from "node:worker_threads"; parentPort.postMessage(process.execArgv);\n',
    );
    return { dir, url: pathToFileURL(file) };
  };
  const argvOf = (worker: Worker) =>
    new Promise<string[]>((resolve, reject) => {
      worker.once("message", (m: string[]) => resolve(m));
      worker.once("error", reject);
    });

  it("starts beside V8 and process-wide options that Node refuses in an explicit execArgv", async () => {
    const { dir, url } = await echo();
    try {
      // What `node --max-old-space-size=4096 --expose-gc --import tsx app.ts` gives a worker.
      const parent = ["--max-old-space-size=4096", "--import", "tsx", "--expose-gc", "--trace-warnings"];
      expect(() => new Worker(url, { execArgv: workerExecArgv(parent) })).toThrow(/invalid execArgv/);
      const worker = startWorker(url, parent);
      const argv = await argvOf(worker);
      await worker.terminate();
      expect(argv).toEqual(["--trace-warnings"]);
      // Nothing to drop: inherited, so V8 options are fine.
      const inherited = startWorker(url, ["--max-old-space-size=4096"]);
      await argvOf(inherited);
      await inherited.terminate();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads the refused flags from Node's error and nothing from other errors", () => {
    const error = Object.assign(new Error("Initiated Worker with invalid execArgv flags: --a=1, --b"), {
      code: "ERR_WORKER_INVALID_EXEC_ARGV",
    });
    expect(invalidExecArgv(error)).toEqual(["--a=1", "--b"]);
    expect(invalidExecArgv(new Error("flags: --a"))).toEqual([]);
    expect(invalidExecArgv(undefined)).toEqual([]);
  });
});
