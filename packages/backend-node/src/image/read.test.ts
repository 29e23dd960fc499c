import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClipkitError } from "@clipkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_FIXTURES } from "../../../../tools/fixtures/images/reference.js";
import { decodeImage } from "./decode.js";
import { readImageFile } from "./read.js";

// Only regular files are read. These inputs would block (FIFO) or never end (devices) if read;
// the device case uses /dev/null, which is harmless even if the guard regressed.

let dir: string;
let server: Server | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-read-"));
  execFileSync("mkfifo", [join(dir, "pipe.png")]);
  await symlink(join(dir, "pipe.png"), join(dir, "link-to-pipe.png"));
  await symlink(join(IMAGE_FIXTURES, "tiny_1x1.png"), join(dir, "link-to-photo.png"));
  await mkdir(join(dir, "folder.png"));
  await writeFile(join(dir, "big.png"), new Uint8Array(4096));
  server = createServer();
  await new Promise<void>((resolve) => server!.listen(join(dir, "socket.png"), resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (e) {
    if (isClipkitError(e)) return { code: e.code, details: { ...e.details } };
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("readImageFile / decodeImage on paths that are not regular files", () => {
  it.each([
    ["pipe.png", "FIFO"],
    ["link-to-pipe.png", "FIFO"],
    ["folder.png", "directory"],
    ["socket.png", "socket"],
  ])("refuses %s (a %s) with IO_FAILED before reading", async (name, fileType) => {
    const path = join(dir, name);
    expect(await failure(decodeImage(path))).toEqual({
      code: "IO_FAILED",
      details: { file: path, fileType },
    });
  });

  it.runIf(existsSync("/dev/null"))("refuses a character device (/dev/null)", async () => {
    expect(await failure(decodeImage("/dev/null"))).toEqual({
      code: "IO_FAILED",
      details: { file: "/dev/null", fileType: "character device" },
    });
  });

  it("follows a symlink to a regular file", async () => {
    const image = await decodeImage(join(dir, "link-to-photo.png"));
    expect([image.width, image.height]).toEqual([1, 1]);
  });

  it("checks the size limit before reading, and beforeRead sees the size", async () => {
    const path = join(dir, "big.png");
    expect(await failure(decodeImage(path, { maxFileBytes: 4095 }))).toEqual({
      code: "IMAGE_TOO_LARGE",
      details: { file: path, bytes: 4096, maxFileBytes: 4095 },
    });
    const seen: number[] = [];
    const bytes = await readImageFile(path, 4096, async (size) => {
      seen.push(size);
    });
    expect([bytes.length, seen]).toEqual([4096, [4096]]);
  });

  it("rejects a bad maxFileBytes", async () => {
    expect((await failure(decodeImage(join(dir, "big.png"), { maxFileBytes: 0 }))).code).toBe(
      "INVALID_ARGUMENT",
    );
  });
});
