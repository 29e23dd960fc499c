/**
 * `caption` and `ask` errors speak the CLI's language: a bad generation flag is named as typed
 * (`--max-new-tokens`, not the API's `maxNewTokens`), and an empty question is refused before
 * a chat template can wrap it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../util/test-io.js";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));
const CAPTIONER = join(FIXTURES, "tiny-captioner");
const LLAVA = join(FIXTURES, "tiny-llava");
const IMAGE = join(FIXTURES, "images", "shapes.png");

const API_NAMES =
  /maxNewTokens|minNewTokens|numBeams|numReturnSequences|lengthPenalty|doSample|topK|topP|repetitionPenalty|noRepeatNgramSize|stopStrings|maxLength/;

describe("generation flag errors name the flag the user typed", () => {
  const cases: [string[], RegExp][] = [
    [["--max-new-tokens", "0"], /\]: --max-new-tokens must be an integer ≥ 1, got 0$/],
    [["--max-new-tokens", "1.5"], /\]: --max-new-tokens must be an integer ≥ 1, got 1.5$/],
    [["--min-new-tokens=-1"], /\]: --min-new-tokens must be an integer ≥ 0, got -1$/],
    [["--beams", "0"], /\]: --beams must be an integer ≥ 1, got 0$/],
    [
      ["--num-return", "2"],
      /\]: --num-return must be 1 for greedy decoding \(use --beams or --sample\), got 2$/,
    ],
    [["--beams", "2", "--num-return", "3"], /\]: --num-return must be ≤ --beams, got 3$/],
    [
      ["--beams", "2", "--sample"],
      /\]: --sample must be false with --beams > 1 \(beam sampling is not supported\)/,
    ],
    [["--sample", "--temperature", "0"], /\]: --temperature must be a number > 0, got 0$/],
    [["--sample", "--top-k=-2"], /\]: --top-k must be an integer ≥ 0, got -2$/],
    [["--sample", "--top-p", "2"], /\]: --top-p must be in \(0, 1\], got 2$/],
    [["--seed", "0.5"], /\]: --seed must be an integer, got 0.5$/],
    [["--repetition-penalty", "0"], /\]: --repetition-penalty must be > 0, got 0$/],
    [["--no-repeat-ngram=-1"], /\]: --no-repeat-ngram must be an integer ≥ 0, got -1$/],
  ];
  it.each(cases)("caption and ask with %j", async (flags, message) => {
    for (const argv of [
      ["caption", IMAGE, "--model", CAPTIONER, ...flags],
      ["ask", IMAGE, "what shape is it?", "--model", LLAVA, ...flags],
    ]) {
      const r = await run(argv);
      expect(r.code, r.stderr).toBe(1);
      const line = r.stderr.trimEnd();
      expect(line).toMatch(/^clipkit (caption|ask): error \[INVALID_ARGUMENT\]: /);
      expect(line).toMatch(message);
      expect(line).not.toMatch(API_NAMES);
    }
  });
});

describe("clipkit ask refuses an empty question", () => {
  it.each([
    ["an empty question after the image", [IMAGE, ""], "the question is empty:"],
    [
      "a whitespace question on the chat path (--system)",
      [IMAGE, "  \t", "--system", "be brief"],
      "the question is empty (only whitespace):",
    ],
    [
      "an empty question with several --image (chat)",
      ["", "--image", IMAGE, "--image", IMAGE],
      "the question is empty:",
    ],
  ])("%s", async (_name, args, message) => {
    const r = await run(["ask", ...args, "--model", LLAVA, "--max-new-tokens", "2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`clipkit ask: error [INVALID_ARGUMENT]: ${message}`);
  });
});
