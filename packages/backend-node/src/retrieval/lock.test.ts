import { mkdir, mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClipkitError } from "@clipkit/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertWritableFile } from "../files/index.js";
import { lockIndexFile } from "./lock.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e) => (isClipkitError(e) ? e.code : String(e)),
  );

describe("index file lock", () => {
  it("a second holder fails with INDEX_LOCKED naming the file; after release it can lock", async () => {
    const path = join(dir, "x.idx");
    const first = await lockIndexFile(path);
    const second = lockIndexFile(path);
    await expect(second).rejects.toSatisfy(
      (e) => isClipkitError(e, "INDEX_LOCKED") && e.message.includes(path),
    );
    first.assertHeld();
    await first.release();
    const again = await lockIndexFile(path);
    await again.release();
  });

  it("a lock left by a killed holder says so and when it is taken over; a live one does not", async () => {
    const path = join(dir, "x.idx");
    // What a holder killed 6 s ago leaves: the lock directory, its mtime no longer refreshed.
    await mkdir(`${path}.lock`);
    const old = new Date(Date.now() - 6_000);
    await utimes(`${path}.lock`, old, old);
    await expect(lockIndexFile(path)).rejects.toSatisfy(
      (e) =>
        isClipkitError(e, "INDEX_LOCKED") &&
        /probably killed/.test(e.message) &&
        /taken over 10 s after the last refresh \(in about [45] s\)/.test(e.message),
    );
    await rm(`${path}.lock`, { recursive: true });
    const live = await lockIndexFile(path);
    await expect(lockIndexFile(path)).rejects.toSatisfy(
      (e) => isClipkitError(e, "INDEX_LOCKED") && !/probably killed/.test(e.message),
    );
    await live.release();
  });

  it("with wait, the second holder gets the lock once the first releases", async () => {
    const path = join(dir, "x.idx");
    const first = await lockIndexFile(path);
    const second = lockIndexFile(path, { wait: true, waitMs: 10_000 });
    setTimeout(() => void first.release(), 300);
    const lock = await second;
    lock.assertHeld();
    await lock.release();
  });
});

describe("assertWritableFile", () => {
  it("names the missing folder and refuses a folder in place of the file", async () => {
    expect(await code(assertWritableFile(join(dir, "nope", "x.idx")))).toBe("IO_FAILED");
    await expect(assertWritableFile(join(dir, "nope", "x.idx"))).rejects.toThrow(/nope does not exist/);
    await mkdir(join(dir, "sub"));
    expect(await code(assertWritableFile(join(dir, "sub")))).toBe("IO_FAILED");
    expect(await code(assertWritableFile(join(dir, "fine.idx")))).toBe("ok");
  });
});
