import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";

const capDir = fileURLToPath(new URL("../../../../fixtures/models/tiny-captioner/", import.meta.url));
const llavaDir = fileURLToPath(new URL("../../../../fixtures/models/tiny-llava/", import.meta.url));
const ref = JSON.parse(readFileSync(join(capDir, "reference.json"), "utf8")) as {
  images: { file: string; text: string }[];
};

async function cli(argv: string[]) {
  let out = "";
  let err = "";
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        f(String(chunk));
        cb();
      },
    });
  const code = await main(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    isTTY: false,
  });
  return { code, out, err };
}

describe("clipkit caption / ask", () => {
  it("captions several images as TSV and JSON", async () => {
    const images = ref.images.map((im) => join(capDir, im.file));
    const tsv = await cli(["caption", ...images, "--model", capDir, "--threads", "1"]);
    expect(tsv.err).toBe("");
    expect(tsv.code).toBe(0);
    expect(tsv.out).toBe(images.map((p, i) => `${p}\t${ref.images[i]!.text}\n`).join(""));
    const json = await cli([
      "caption",
      images[0]!,
      "--model",
      capDir,
      "--beams",
      "3",
      "--num-return",
      "2",
      "--json",
    ]);
    const parsed = JSON.parse(json.out) as { text: string; sequences: unknown[]; score: number }[];
    expect(parsed[0]!.text).toBe(ref.images[0]!.text);
    expect(parsed[0]!.sequences).toHaveLength(2);
    expect(typeof parsed[0]!.score).toBe("number");
  });

  it("streams an answer for both layouts", async () => {
    const image = join(capDir, ref.images[0]!.file);
    const a = await cli(["ask", image, "what color is the shape?", "--model", capDir]);
    expect(a).toMatchObject({ code: 0, out: "red\n" });
    const b = await cli(["ask", image, "What shape is it?", "--model", llavaDir, "--beams", "2"]);
    expect(b.code).toBe(0);
    expect(b.out.trim().length).toBeGreaterThan(0);
  });

  it("--dtype picks the weight files of every graph (caption and ask, both layouts)", async () => {
    const image = join(capDir, ref.images[0]!.file);
    // The fixtures ship fp32, fp16 and quantized graphs but no q4: naming the missing q4 file
    // proves the flag reaches the loader.
    const q4 = await cli(["caption", image, "--model", capDir, "--dtype", "q4"]);
    expect(q4.code).toBe(1);
    expect(q4.err).toMatch(/MODEL_FILE_MISSING.*_q4\.onnx/);
    const q4llava = await cli(["ask", image, "what?", "--model", llavaDir, "--dtype", "q4"]);
    expect(q4llava.err).toMatch(/MODEL_FILE_MISSING.*_q4\.onnx/);
    const quantized = await cli(["caption", image, "--model", capDir, "--dtype", "quantized", "--json"]);
    expect(quantized.code, quantized.err).toBe(0);
    const [row] = JSON.parse(quantized.out) as { text: string }[];
    expect(row!.text.length).toBeGreaterThan(0);
    const asked = await cli([
      "ask",
      image,
      "what color is the shape?",
      "--model",
      llavaDir,
      "--dtype",
      "quantized",
    ]);
    expect(asked.code, asked.err).toBe(0);
    const bad = await cli(["caption", image, "--model", capDir, "--dtype", "fp64"]);
    expect(bad.err).toMatch(/INVALID_ARGUMENT.*--dtype/);
  });

  it("reports usage and model errors with codes", async () => {
    expect((await cli(["caption", "--model", capDir])).err).toContain("INVALID_ARGUMENT");
    expect((await cli(["caption", "x.png"])).err).toContain("--model");
    expect((await cli(["caption", "x.png", "--model", capDir, "--beams", "two"])).err).toContain("--beams");
    const missing = await cli(["ask", "x.png", "q?", "--model", join(capDir, "images")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("MODEL_LAYOUT_UNSUPPORTED");
  });

  it("ask: several --image and --system make a chat turn answered as transformers does", async () => {
    const chat = JSON.parse(readFileSync(join(llavaDir, "reference-chat.json"), "utf8")) as {
      cases: { name: string; images: string[]; text: string; greedy: { ids: number[] }[] }[];
    };
    const two = chat.cases.find((c) => c.name === "two images")!;
    const [a, b] = two.images.map((f) => join(llavaDir, f)) as [string, string];
    // generation_config's max_length (48) counts the two images' 32 prompt positions: ask for 20 new tokens as the reference did.
    const n = ["--max-new-tokens", "20"];
    const streamed = await cli(["ask", a, "Describe the image.", "--image", b, "--model", llavaDir, ...n]);
    expect(streamed).toMatchObject({ code: 0, err: "", out: `${two.text}\n` });
    const json = await cli([
      "ask",
      "Describe the image.",
      "--image",
      a,
      "--image",
      b,
      "--model",
      llavaDir,
      "--json",
      ...n,
    ]);
    expect(JSON.parse(json.out)).toMatchObject({
      images: [a, b],
      text: two.text,
      tokens: two.greedy[0]!.ids,
    });
    const sys = chat.cases.find((c) => c.name === "system")!;
    const withSystem = await cli([
      "ask",
      join(llavaDir, sys.images[0]!),
      "What shape is it?",
      "--system",
      "Answer briefly.",
      "--model",
      llavaDir,
      ...n,
    ]);
    expect(withSystem.out).toBe(`${sys.text}\n`);
    // Image-to-text folders answer one image, no chat.
    const encDec = await cli(["ask", "q?", "--image", a, "--image", b, "--model", capDir]);
    expect(encDec.code).toBe(1);
    expect(encDec.err).toContain("takes 1 image per prompt, got 2");
    expect((await cli(["ask", "q?", "--model", llavaDir])).err).toContain("--image");
  });

  it("caption --task needs a model with tasks and names the flag", async () => {
    const image = join(capDir, ref.images[0]!.file);
    for (const dir of [capDir, llavaDir]) {
      const r = await cli(["caption", image, "--model", dir, "--task", "<OD>"]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/INVALID_ARGUMENT.*--task: this (encoder-decoder|llava) model has no tasks/s);
    }
    expect((await cli(["caption", image, "--model", capDir, "--task-text", "a cat"])).err).toContain(
      "--task-text needs --task",
    );
    expect((await cli(["caption", image, "--model", capDir, "--system", "x"])).err).toContain(
      "--system belongs to clipkit ask",
    );
    expect((await cli(["ask", image, "q?", "--model", capDir, "--task", "<OD>"])).err).toContain(
      "--task belongs to clipkit caption",
    );
  });

  it("a request the model cannot answer is one usage error naming the flag, before any image runs", async () => {
    const fixtures = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
    const [blipVqa, florence] = ["tiny-blip-vqa", "tiny-florence2"].map((m) => join(fixtures, m)) as [
      string,
      string,
    ];
    const a = join(capDir, ref.images[0]!.file);
    const b = join(capDir, ref.images[1]!.file);
    // A question-only model asked to caption: once for the run, not "skipped" once per image.
    const cap = await cli(["caption", a, b, "--model", blipVqa]);
    expect(cap.code).toBe(1);
    expect(cap.err).toMatch(/INVALID_ARGUMENT\]: --model: this blip model does not caption.*clipkit ask/);
    expect(cap.err).not.toContain("skipped");
    const sys = await cli(["ask", a, "what is it?", "--system", "be brief", "--model", blipVqa]);
    expect(sys.err).toMatch(/INVALID_ARGUMENT\]: --system needs a model with a chat template/);
    const noQuestion = await cli(["ask", a, "what is it?", "--model", florence]);
    expect(noQuestion.err).toMatch(
      /INVALID_ARGUMENT\]: --model: this florence2 model does not answer questions.*clipkit caption/,
    );
    // An image and no question: said as such, not "give an image".
    const forgot = await cli(["ask", a, "--model", capDir]);
    expect(forgot.err).toMatch(/INVALID_ARGUMENT\]: expected <image> "<question>", got one argument/);
  });

  it("caption --task runs Florence-2 task prompts, with --task-text and the parsed result in --json", async () => {
    const florence = join(capDir, "../tiny-florence2");
    const fref = JSON.parse(readFileSync(join(florence, "reference.json"), "utf8")) as {
      images: {
        file: string;
        tasks: { task: string; text: string | null; greedy: { parsed: unknown }[] }[];
      }[];
    };
    const im = fref.images[0]!;
    const image = join(florence, "../../..", im.file);
    for (const t of im.tasks.filter((x) => x.task === "<OD>" || x.task === "<CAPTION_TO_PHRASE_GROUNDING>")) {
      const args = [
        "caption",
        image,
        "--model",
        florence,
        "--task",
        t.task,
        "--max-new-tokens",
        "40",
        "--json",
      ];
      const r = await cli(t.text === null ? args : [...args, "--task-text", t.text]);
      expect(r.err, t.task).toBe("");
      const [row] = JSON.parse(r.out) as { structured: unknown }[];
      expect(row!.structured, t.task).toEqual(t.greedy[0]!.parsed);
    }
    const unknown = await cli(["caption", image, "--model", florence, "--task", "<NOPE>"]);
    expect(unknown.err).toMatch(/unknown task "<NOPE>"; this model knows .*<OD>/);
  });

  it("ask with two --image on Qwen2-VL (chat template) and PaliGemma (no chat) gives transformers' ids", async () => {
    const cases = [
      { dir: "tiny-qwen2vl", question: "Compare the pictures." },
      { dir: "tiny-paligemma", question: "describe en" },
    ];
    for (const { dir, question } of cases) {
      const model = join(capDir, "..", dir);
      const r = JSON.parse(readFileSync(join(model, "reference.json"), "utf8")) as {
        max_new_tokens: number;
        images: Record<string, string>;
        requests: { id: string; images: string[]; greedy: { ids: number[] }[] }[];
      };
      const two = r.requests.find((q) => q.id === "two-images")!;
      const [a, b] = two.images.map((f) => join(model, r.images[f]!)) as [string, string];
      const out = await cli([
        "ask",
        question,
        "--image",
        a,
        "--image",
        b,
        "--model",
        model,
        "--json",
        "--max-new-tokens",
        String(r.max_new_tokens),
      ]);
      expect(out.err, dir).toBe("");
      expect(JSON.parse(out.out).tokens, dir).toEqual(two.greedy[0]!.ids);
    }
  });
});
