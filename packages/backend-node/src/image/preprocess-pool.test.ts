import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { isClipkitError, parsePreprocessorConfig, preprocessBatch } from "@clipkit/core";
import { afterAll, describe, expect, it } from "vitest";
import { nodeImagePreparer } from "../model/prepare.js";
import { decodeImage } from "./decode.js";
import { PreprocessPool } from "./preprocess-pool.js";

const IMAGES = new URL("../../../../tools/fixtures/images/", import.meta.url);
const FILES = [
  "chelsea.jpg",
  "coffee.jpg",
  "astronaut_256.png",
  "odd_225x301.jpg",
  "palette_31x22.gif",
  "rgba_45x31.png",
];
const config = parsePreprocessorConfig({ image_size: 64 });
const pool = new PreprocessPool(2);
// Workers load tsx and the sources first when run from source: allow for a slow, shared machine.
const SLOW = 120_000;
afterAll(() => pool.close());

describe("PreprocessPool: decode + preprocess on worker threads", () => {
  it(
    "gives bit-identical tensors to the in-thread path, for paths, file: URLs and bytes",
    async () => {
      await pool.loaded();
      const paths = FILES.map((f) => new URL(f, IMAGES).pathname);
      const expected = preprocessBatch(await Promise.all(paths.map((p) => decodeImage(p))), config);
      const inputs = [
        paths[0]!,
        pathToFileURL(paths[1]!),
        new Uint8Array(await readFile(paths[2]!)),
        ...paths.slice(3),
      ];
      const prepare = nodeImagePreparer(config, { workers: pool });
      const [a, b] = await Promise.all([prepare(inputs), prepare(inputs.slice(0, 2))]);
      expect(a.dims).toEqual(expected.dims);
      expect(a.data).toEqual(expected.data);
      expect(b.data).toEqual(expected.data.subarray(0, 2 * 3 * 64 * 64));
    },
    SLOW,
  );

  it(
    "reports a failing image with its code and index, and keeps working",
    async () => {
      const prepare = nodeImagePreparer(config, { workers: pool });
      const good = new URL("chelsea.jpg", IMAGES).pathname;
      await expect(prepare([good, new Uint8Array([1, 2, 3, 4])])).rejects.toSatisfy(
        (e) =>
          isClipkitError(e, "IMAGE_DECODE_FAILED") && e.details.index === 1 && /images\[1\]/.test(e.message),
      );
      await expect(prepare([good, "/no/such/file.png"])).rejects.toSatisfy(
        (e) => isClipkitError(e) && e.details.index === 1,
      );
      expect((await prepare([good])).dims).toEqual([1, 3, 64, 64]);
    },
    SLOW,
  );

  it(
    "an idle pool does not keep the process alive",
    () => {
      // The regression: unref() before the first "message" listener left the port referenced.
      const code = `
      const { PreprocessPool } = await import(${JSON.stringify(new URL("./preprocess-pool.ts", import.meta.url).href)});
      const pool = new PreprocessPool(1);
      await pool.loaded();
      const px = await pool.run([${JSON.stringify(new URL("chelsea.jpg", IMAGES).pathname)}], { resize: { shortestEdge: 32 }, crop: { height: 32, width: 32 } }, {}, 1e9).catch((e) => e);
      console.log("done", px.length ?? px.message);
    `;
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", "--conditions=@clipkit/source", "--input-type=module", "-e", code],
        { encoding: "utf8", timeout: SLOW },
      );
      expect(r.signal).toBeNull();
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^done/);
    },
    SLOW,
  );
});
