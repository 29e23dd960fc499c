/**
 * The CLI conveniences end to end: --version, the runtime flags on every model command, progress
 * lines on a non-terminal stderr, Ctrl-C during `index`, several queries per `search`, and
 * `clipkit embed`'s .npy + JSONL export checked against the model's own embeddings.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { loadClipModel, loadIndexFile } from "@clipkit/backend-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { main } from "../main.js";
import { NPY_HEADER_BYTES } from "../util/npy.js";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CLIP = join(FIXTURES, "tiny-clip");
const CAPTIONER = join(FIXTURES, "tiny-captioner");
const IMAGES = ["gradient.png", "gray.png", "noise.png", "shapes.png"].map((n) =>
  join(FIXTURES, "images", n),
);

let dir: string;
let captions: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "clipkit-cli-friction-"));
  captions = join(dir, "captions.txt");
  await writeFile(captions, "a colourful gradient\na flat gray square\nrandom noise\nsome shapes\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("clipkit --version", () => {
  it("prints the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await run([flag]);
      expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    }
  });
});

describe("runtime flags on every model command", () => {
  const flags = ["--threads", "1", "--device", "cpu", "--dtype", "fp32", "--batch-size", "2"];
  const head = () => join(dir, "flags.head");
  const index = () => join(dir, "flags.ckidx");
  const manifest = () => join(dir, "manifest.jsonl");
  const commands = (): string[][] => [
    ["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a,b"],
    ["head", "build", "--model", CLIP, "--labels", "a,b", "--out", head()],
    ["index", ...IMAGES, "--model", CLIP, "--out", index()],
    ["index-texts", captions, "--model", CLIP, "--out", join(dir, "flags-texts.ckidx")],
    ["search", "a gradient", "--index", index(), "--model", CLIP],
    ["eval", "zeroshot", "--data", manifest(), "--model", CLIP, "--templates", "bare"],
    ["embed", IMAGES[0]!, "--model", CLIP, "--out", join(dir, "flags-embed")],
  ];

  it("accept --threads, --device, --dtype and --batch-size", async () => {
    await writeFile(
      manifest(),
      IMAGES.map((image, i) => JSON.stringify({ image, label: i % 2 ? "a" : "b" })).join("\n"),
    );
    for (const argv of commands()) {
      const r = await run([...argv, ...flags]);
      expect(r.stderr, argv.join(" ")).toBe("");
      expect(r.code, argv.join(" ")).toBe(0);
    }
    const cap = await run([
      "caption",
      IMAGES[0]!,
      IMAGES[1]!,
      "--model",
      CAPTIONER,
      "--threads",
      "1",
      "--device",
      "cpu",
      "--batch-size",
      "1",
    ]);
    expect(cap.code).toBe(0);
    expect(cap.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("refuse an execution provider onnxruntime-node lacks, naming the available ones", async () => {
    for (const argv of [...commands(), ["caption", IMAGES[0]!, "--model", CAPTIONER]]) {
      if (argv[0] === "search" || argv[0] === "head") continue; // need files the run above made
      const r = await run([...argv, "--device", "nosuch"]);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.stderr, argv.join(" ")).toMatch(
        /BACKEND_UNAVAILABLE.*"nosuch" is not available.*available: .*cpu/,
      );
    }
    const dtype = await run(["classify", IMAGES[0]!, "--model", CLIP, "--labels", "a,b", "--dtype", "fp8"]);
    expect(dtype.stderr).toMatch(/INVALID_ARGUMENT.*--dtype/);
  });

  it("say clearly when --model is neither a folder nor a hub id", async () => {
    const r = await run(["classify", IMAGES[0]!, "--model", "no/such/folder", "--labels", "a,b"]);
    expect(r.stderr).toMatch(/MODEL_FILE_MISSING.*neither a folder nor a hub id/);
    // A hub id is downloaded (tested against the local hub server in download.test.ts); here the
    // cache is empty and offline, so the message must say so — and no request may leave the test.
    const saved = { offline: process.env.HF_HUB_OFFLINE, cache: process.env.HF_HUB_CACHE };
    process.env.HF_HUB_OFFLINE = "1";
    process.env.HF_HUB_CACHE = join(dir, "empty-hub-cache");
    try {
      const hub = await run([
        "index",
        IMAGES[0]!,
        "--model",
        "openai/clip-vit-base-patch32",
        "--out",
        index(),
      ]);
      expect(hub.code).toBe(1);
      expect(hub.stderr).toMatch(/openai\/clip-vit-base-patch32@main: offline .* has no snapshot/);
    } finally {
      for (const [k, v] of [
        ["HF_HUB_OFFLINE", saved.offline],
        ["HF_HUB_CACHE", saved.cache],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe("progress on a non-terminal stderr", () => {
  it("prints periodic plain lines for the hashing pass and for embedding", async () => {
    const r = await run(
      ["index", ...IMAGES, "--model", CLIP, "--out", join(dir, "progress.ckidx"), "--batch-size", "1"],
      {
        progressIntervalMs: 0,
      },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines.some((l) => /^clipkit: files hashed 4\/4 \(100%, [\d.]+\/s, ETA 0:00\)$/.test(l))).toBe(
      true,
    );
    expect(
      lines.some((l) => /^clipkit: images embedded 2\/4 \(50%, [\d.]+\/s, ETA \d+:\d\d\)$/.test(l)),
    ).toBe(true);
    expect(r.stderr.includes("\r") || r.stderr.includes("\u001b")).toBe(false);
  });

  it("stays silent for a run shorter than the interval", async () => {
    const r = await run(["index", ...IMAGES, "--model", CLIP, "--out", join(dir, "quiet.ckidx")], {
      progressIntervalMs: 3_600_000,
    });
    expect(r).toMatchObject({ code: 0, stderr: "" });
  });
});

describe("Ctrl-C during clipkit index", () => {
  it("saves what was embedded, says so, exits 130, and a re-run resumes", async () => {
    const photos = join(dir, "photos");
    await mkdir(photos);
    for (const p of IMAGES) await copyFile(p, join(photos, p.split("/").at(-1)!));
    const out = join(dir, "interrupted.ckidx");
    const controller = new AbortController();
    let stderr = "";
    let stdout = "";
    const sink = (add: (s: string) => void) =>
      new Writable({
        write(chunk, _e, cb) {
          add(String(chunk));
          cb();
        },
      });
    const code = await main(["index", photos, "--model", CLIP, "--out", out, "--batch-size", "1"], {
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => {
        stderr += s;
        // Ctrl-C as the second image is done: the bin aborts this signal on SIGINT.
        if (s.startsWith("clipkit: images embedded 2/4")) controller.abort();
      }),
      isTTY: false,
      progressIntervalMs: 0,
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /clipkit index: interrupted after embedding 2 of 4 new images; saved them to .*interrupted\.ckidx \(2 images in it now\); re-run the same command to embed the rest/,
    );
    expect((await loadIndexFile(out)).index.size()).toBe(2);
    const again = await run(["index", photos, "--model", CLIP, "--out", out, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ size: 4, added: 2, unchanged: 2 });
  });
});

describe("clipkit search with several queries", () => {
  it("answers each text and image query in order, as text and JSON", async () => {
    const index = join(dir, "multi.ckidx");
    expect((await run(["index", ...IMAGES, "--model", CLIP, "--out", index])).code).toBe(0);
    const queries = join(dir, "queries.txt");
    await writeFile(queries, "# one per line\nrandom noise\n");
    const argv = [
      "search",
      "a gradient",
      "--query",
      "gray",
      "--queries-file",
      queries,
      "--image",
      IMAGES[3]!,
    ];
    const text = await run([...argv, "--index", index, "--model", CLIP, "--k", "2"]);
    expect(text.code).toBe(0);
    const headers = text.stdout.split("\n").filter((l) => l.startsWith("# query"));
    expect(headers).toEqual([
      '# query: "a gradient"',
      '# query: "gray"',
      '# query: "random noise"',
      `# query: image ${IMAGES[3]}`,
    ]);
    const json = JSON.parse(
      (await run([...argv, "--index", index, "--model", CLIP, "--k", "2", "--json"])).stdout,
    ) as {
      queries: {
        query: { text?: string; image?: string };
        results: { id: string; metadata: { path: string } }[];
      }[];
    };
    expect(json.queries.map((q) => q.query)).toEqual([
      { text: "a gradient" },
      { text: "gray" },
      { text: "random noise" },
      { image: IMAGES[3] },
    ]);
    // The image finds itself first; each answer equals the same query run alone.
    expect(json.queries[3]!.results[0]!.metadata.path).toBe(IMAGES[3]);
    const alone = JSON.parse(
      (await run(["search", "gray", "--index", index, "--model", CLIP, "--k", "2", "--json"])).stdout,
    );
    expect(json.queries[1]!.results).toEqual(alone.results);
  });
});

describe("clipkit embed", () => {
  function readNpy(bytes: Buffer): { shape: number[]; data: Float32Array; header: string } {
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const len = bytes.readUInt16LE(8);
    const header = bytes.subarray(10, 10 + len).toString("latin1");
    expect((10 + len) % 64).toBe(0);
    const shape = header
      .match(/'shape': \((\d+), (\d+)\)/)!
      .slice(1)
      .map(Number);
    const body = bytes.subarray(10 + len);
    const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    return { shape, data, header };
  }

  it("writes .npy embeddings equal to the model's, aligned JSONL metadata, and skips bad images", async () => {
    const broken = join(dir, "broken.png");
    await writeFile(broken, "not a png");
    const pairs = join(dir, "pairs.txt");
    await writeFile(pairs, "a gradient\na broken file\ngray\nshapes\n");
    const out = join(dir, "export");
    const r = await run([
      "embed",
      IMAGES[0]!,
      broken,
      IMAGES[1]!,
      IMAGES[3]!,
      "--texts",
      pairs,
      "--model",
      CLIP,
      "--out",
      out,
      "--batch-size",
      "2",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^skipped .*broken\.png: /);
    expect(r.stdout).toMatch(/3 image embeddings \+ 3 text embeddings/);
    const img = readNpy(await readFile(join(out, "img_emb", "img_emb_0.npy")));
    const txt = readNpy(await readFile(join(out, "text_emb", "text_emb_0.npy")));
    expect(img.header).toContain("'descr': '<f4', 'fortran_order': False");
    expect(NPY_HEADER_BYTES).toBe(128);
    const model = await loadClipModel(CLIP);
    try {
      const dim = model.space.dim;
      expect(img.shape).toEqual([3, dim]);
      expect(txt.shape).toEqual([3, dim]);
      const wantImg = await model.embedImages([IMAGES[0]!, IMAGES[1]!, IMAGES[3]!]);
      const wantTxt = await model.embedTexts(["a gradient", "gray", "shapes"]);
      for (let i = 0; i < wantImg.data.length; i++) expect(img.data[i]).toBeCloseTo(wantImg.data[i]!, 5);
      for (let i = 0; i < wantTxt.data.length; i++) expect(txt.data[i]).toBeCloseTo(wantTxt.data[i]!, 5);
      const meta = (await readFile(join(out, "metadata", "metadata_0.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(meta).toEqual([
        { image_path: IMAGES[0], caption: "a gradient" },
        { image_path: IMAGES[1], caption: "gray" },
        { image_path: IMAGES[3], caption: "shapes" },
      ]);
      const space = JSON.parse(await readFile(join(out, "space.json"), "utf8"));
      expect(space).toMatchObject({ id: model.space.id, dim });
    } finally {
      await model.release();
    }
  });

  it("rejects a pair count mismatch and a missing --out", async () => {
    expect(
      (await run(["embed", IMAGES[0]!, "--texts", captions, "--model", CLIP, "--out", join(dir, "x")]))
        .stderr,
    ).toMatch(/1 images but 4 texts/);
    expect((await run(["embed", IMAGES[0]!, "--model", CLIP])).stderr).toMatch(/--out DIR is required/);
  });
});

describe("clipkit embed into a folder that holds an earlier export", () => {
  it("replaces the whole export: no text_emb left from a run with --texts beside rows it does not match", async () => {
    const out = join(dir, "re-export");
    const first = await run(["embed", ...IMAGES, "--texts", captions, "--model", CLIP, "--out", out]);
    expect(first.code, first.stderr).toBe(0);
    await readFile(join(out, "text_emb", "text_emb_0.npy"));
    const second = await run(["embed", IMAGES[0]!, "--model", CLIP, "--out", out]);
    expect(second.code, second.stderr).toBe(0);
    await expect(readFile(join(out, "text_emb", "text_emb_0.npy"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(
      (await readFile(join(out, "metadata", "metadata_0.jsonl"), "utf8")).trim().split("\n"),
    ).toHaveLength(1);
  });
});
