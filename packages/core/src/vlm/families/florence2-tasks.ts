/**
 * Florence-2's task prompts and the parsing of its answers, following transformers'
 * `Florence2Processor` (`_construct_prompts`, `post_process_generation`) and
 * `Florence2PostProcessor` (location-token quantization, regex parsers) line for line.
 *
 * Locations are `<loc_N>` tokens, N a bin in 0…999 along each axis of the original image:
 * a box is four of them (x0, y0, x1, y1), an OCR quad eight (four x, y corners).
 */
import { ClipkitError } from "../../errors.js";

/** Bins per axis (`quantize_bins` of transformers' post-processor). */
export const LOCATION_BINS = 1000;

/** How a task's answer is parsed (transformers' `tasks_answer_post_processing_type`). */
export type Florence2AnswerKind =
  | "pure_text"
  | "ocr"
  | "description_with_bboxes"
  | "bboxes"
  | "phrase_grounding";

/** A task token, the prompt it stands for, and the parser of its answer. */
export interface Florence2Task {
  /** Prompt the token is replaced by; `{input}` takes the request's text. */
  readonly prompt: string;
  /** Whether the task takes a text input (a caption, a region as `<loc_…>` tokens). */
  readonly takesInput: boolean;
  readonly answer: Florence2AnswerKind;
}

/**
 * The tasks clipkit parses, as transformers' Florence2Processor defines them. The segmentation
 * tasks (polygon answers) and open-vocabulary detection are not included.
 */
export const FLORENCE2_TASKS: Readonly<Record<string, Florence2Task>> = {
  "<OCR>": { prompt: "What is the text in the image?", takesInput: false, answer: "pure_text" },
  "<OCR_WITH_REGION>": {
    prompt: "What is the text in the image, with regions?",
    takesInput: false,
    answer: "ocr",
  },
  "<CAPTION>": { prompt: "What does the image describe?", takesInput: false, answer: "pure_text" },
  "<DETAILED_CAPTION>": {
    prompt: "Describe in detail what is shown in the image.",
    takesInput: false,
    answer: "pure_text",
  },
  "<MORE_DETAILED_CAPTION>": {
    prompt: "Describe with a paragraph what is shown in the image.",
    takesInput: false,
    answer: "pure_text",
  },
  "<OD>": {
    prompt: "Locate the objects with category name in the image.",
    takesInput: false,
    answer: "description_with_bboxes",
  },
  "<DENSE_REGION_CAPTION>": {
    prompt: "Locate the objects in the image, with their descriptions.",
    takesInput: false,
    answer: "description_with_bboxes",
  },
  "<REGION_PROPOSAL>": {
    prompt: "Locate the region proposals in the image.",
    takesInput: false,
    answer: "bboxes",
  },
  "<CAPTION_TO_PHRASE_GROUNDING>": {
    prompt: "Locate the phrases in the caption: {input}",
    takesInput: true,
    answer: "phrase_grounding",
  },
  "<REGION_TO_CATEGORY>": { prompt: "What is the region {input}?", takesInput: true, answer: "pure_text" },
  "<REGION_TO_DESCRIPTION>": {
    prompt: "What does the region {input} describe?",
    takesInput: true,
    answer: "pure_text",
  },
  "<REGION_TO_OCR>": { prompt: "What text is in the region {input}?", takesInput: true, answer: "pure_text" },
};

/**
 * The prompt text for `task` (+ `text`), as `Florence2Processor._construct_prompts` builds it:
 * a task without input must come alone; a task with input gets `text` trimmed. Throws
 * `PROMPT_INVALID` (naming `argument`) for an unknown task, a missing input or an unexpected one.
 */
export function florence2Prompt(task: string, text: string | undefined, argument = "task"): string {
  const spec = FLORENCE2_TASKS[task];
  if (!spec) {
    throw new ClipkitError(
      "PROMPT_INVALID",
      `unknown Florence-2 task ${JSON.stringify(task)}; known: ${Object.keys(FLORENCE2_TASKS).join(", ")}`,
      { details: { argument, task } },
    );
  }
  if (!spec.takesInput) {
    if (text !== undefined && text.trim() !== "") {
      throw new ClipkitError("PROMPT_INVALID", `Florence-2 task ${task} takes no text input`, {
        details: { argument, task },
      });
    }
    return spec.prompt;
  }
  if (text === undefined || text.trim() === "") {
    throw new ClipkitError("PROMPT_INVALID", `Florence-2 task ${task} needs a text input`, {
      details: { argument, task },
    });
  }
  return spec.prompt.replace("{input}", pyStrip(text));
}

/**
 * A free-form prompt as `Florence2Processor._construct_prompts` reads it: a task token inside it is
 * expanded (a task without input must then be the whole prompt, `PROMPT_INVALID` otherwise; a task
 * with input takes the rest of the text as its input), other text passes through unchanged.
 * Returns the task found (`undefined` for plain text) and the prompt.
 */
export function florence2PromptFromText(
  text: string,
  argument = "prompt",
): { task: string | undefined; prompt: string } {
  for (const [task, spec] of Object.entries(FLORENCE2_TASKS)) {
    if (spec.takesInput || !text.includes(task)) continue;
    if (text !== task) {
      throw new ClipkitError(
        "PROMPT_INVALID",
        `Florence-2 task ${task} should be the only content of the prompt`,
        {
          details: { argument, task },
        },
      );
    }
    return { task, prompt: spec.prompt };
  }
  for (const [task, spec] of Object.entries(FLORENCE2_TASKS)) {
    if (spec.takesInput && text.includes(task)) {
      return { task, prompt: spec.prompt.replace("{input}", pyStrip(text.replaceAll(task, ""))) };
    }
  }
  return { task: undefined, prompt: text };
}

/** An image size in pixels, `[width, height]` (transformers' `image_size`). */
export type ImageSize = readonly [width: number, height: number];

const f32 = Math.fround;

/** Bin width along an axis, in float32 as the torch tensors compute it. */
function perBin(size: number): number {
  return f32(size / LOCATION_BINS);
}

/**
 * Pixel coordinate → bin, as `Florence2PostProcessor.quantize`: `floor(v / (size / 1000))`
 * clamped to 0…999, in float32.
 */
export function quantizeLocation(value: number, size: number): number {
  const q = Math.floor(f32(f32(value) / perBin(size)));
  return Math.min(LOCATION_BINS - 1, Math.max(0, q));
}

/**
 * Bin → integer pixel coordinate, as `Florence2PostProcessor.dequantize`: the bin centre
 * `(bin + 0.5) * size / 1000` in float32, truncated toward zero (torch's `.int()`).
 */
export function dequantizeLocation(bin: number, size: number): number {
  return Math.trunc(f32(f32(bin + 0.5) * perBin(size)));
}

/** Python's `str.strip()` (whitespace at both ends). */
function pyStrip(s: string): string {
  return s.replace(/^\s+|\s+$/gu, "");
}

function dropMarkers(text: string): string {
  return text.replaceAll("<s>", "").replaceAll("</s>", "").replaceAll("<pad>", "");
}

/** Python `str.encode("ascii", "ignore").decode()`. */
function asciiOnly(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  return s.replace(/[^\u0000-\u007f]/gu, "");
}

const PHRASE = /([^<]+(?:<loc_\d+>){4,})/g;
const EMPTY_PHRASE = /(?:<loc_\d+>){4,}/g;
const PHRASE_TEXT = /^\s*(.*?)(?=<od>|<\/od>|<box>|<\/box>|<bbox>|<\/bbox>|<loc_)/;
const BOX = /<loc_(\d+)><loc_(\d+)><loc_(\d+)><loc_(\d+)>/g;
const OCR_DEFAULT =
  "(.+?)<loc_(\\d+)><loc_(\\d+)><loc_(\\d+)><loc_(\\d+)><loc_(\\d+)><loc_(\\d+)><loc_(\\d+)><loc_(\\d+)>";

function box(bins: readonly number[], [w, h]: ImageSize): number[] {
  return bins.map((b, i) => dequantizeLocation(b, i % 2 === 0 ? w : h));
}

interface Instance {
  readonly phrase: string;
  readonly boxes: number[][];
}

/** Phrases with their boxes (`parse_description_with_bboxes_from_text_and_spans` / phrase grounding). */
function phrasesWithBoxes(text: string, size: ImageSize, allowEmpty: boolean): Instance[] {
  const out: Instance[] = [];
  for (const m of dropMarkers(text).matchAll(allowEmpty ? EMPTY_PHRASE : PHRASE)) {
    const phraseText = m[0].replace("<ground>", "").replace("<obj>", "");
    if (!phraseText && !allowEmpty) continue;
    const found = PHRASE_TEXT.exec(phraseText);
    if (!found) continue;
    const boxes = [...phraseText.matchAll(BOX)].map((b) =>
      box([Number(b[1]), Number(b[2]), Number(b[3]), Number(b[4])], size),
    );
    if (boxes.length === 0) continue;
    out.push({ phrase: pyStrip(found[0]), boxes });
  }
  return out;
}

/** Boxes `[x0, y0, x1, y1]` in pixels of the original image, one label each. */
export interface Florence2Boxes {
  readonly bboxes: number[][];
  readonly labels: string[];
}

/** OCR lines with their quadrilaterals `[x0, y0, …, x3, y3]` in pixels. */
export interface Florence2QuadBoxes {
  readonly quad_boxes: number[][];
  readonly labels: string[];
}

/** What {@link parseFlorence2Answer} returns: text, boxes or quads, shaped as transformers'. */
export type Florence2Answer = string | Florence2Boxes | Florence2QuadBoxes;

/** Settings of `post_processor_config` in processor_config.json that change parsing. */
export interface Florence2ParseConfig {
  /** Phrases dropped from grounding (`phrase_grounding.banned_grounding_tokens`). */
  readonly bannedGroundingTokens?: readonly string[];
  /** OCR regex (`ocr.PATTERN`, Python syntax compatible with JavaScript's). */
  readonly ocrPattern?: string;
  /** Minimum quad area as a fraction of the image (`ocr.AREA_THRESHOLD`). */
  readonly ocrAreaThreshold?: number;
}

function parseOcr(text: string, size: ImageSize, config: Florence2ParseConfig): Florence2QuadBoxes {
  const pattern = new RegExp(config.ocrPattern ?? OCR_DEFAULT, "g");
  const threshold = config.ocrAreaThreshold ?? 0;
  const quad_boxes: number[][] = [];
  const labels: string[] = [];
  for (const m of dropMarkers(text).matchAll(pattern)) {
    const quad = box(m.slice(2, 10).map(Number), size);
    if (threshold > 0) {
      // transformers' shoelace sum (over three edges, as written there).
      let s = 0;
      for (let i = 0; i < 3; i++) s += quad[2 * i]! * quad[2 * i + 3]! - quad[2 * i + 2]! * quad[2 * i + 1]!;
      if (0.5 * Math.abs(s) < size[0] * size[1] * threshold) continue;
    }
    quad_boxes.push(quad);
    labels.push(pyStrip(m[1] ?? ""));
  }
  return { quad_boxes, labels };
}

/**
 * Parses a generated Florence-2 answer for `task`, as transformers'
 * `Florence2Processor.post_process_generation(text, task, image_size)`: plain text for captions and
 * OCR (`<s>`, `</s>` removed, trimmed), `{ bboxes, labels }` for detection and grounding (boxes in
 * integer pixels of `imageSize`, grounding repeats a phrase's label per box), `{ quad_boxes, labels }`
 * for OCR with regions. `text` is the decoded answer with special tokens kept.
 */
export function parseFlorence2Answer(
  text: string,
  task: string,
  imageSize: ImageSize,
  config: Florence2ParseConfig = {},
): Florence2Answer {
  const kind = FLORENCE2_TASKS[task]?.answer ?? "pure_text";
  switch (kind) {
    case "pure_text":
      return pyStrip(text.replaceAll("<s>", "").replaceAll("</s>", ""));
    case "ocr":
      return parseOcr(text, imageSize, config);
    case "description_with_bboxes":
    case "bboxes": {
      const found = phrasesWithBoxes(text, imageSize, kind === "bboxes");
      const bboxes: number[][] = [];
      const labels: string[] = [];
      for (const inst of found) {
        for (const b of inst.boxes) {
          bboxes.push(b);
          labels.push(asciiOnly(inst.phrase));
        }
      }
      return { bboxes, labels };
    }
    case "phrase_grounding": {
      const banned = new Set(config.bannedGroundingTokens ?? []);
      const bboxes: number[][] = [];
      const labels: string[] = [];
      for (const inst of phrasesWithBoxes(text, imageSize, false)) {
        if (banned.has(inst.phrase)) continue;
        for (const b of inst.boxes) {
          bboxes.push(b);
          labels.push(asciiOnly(inst.phrase));
        }
      }
      return { bboxes, labels };
    }
  }
}

/** Reads the parse settings from processor_config.json's `post_processor_config` (if any). */
export function parseFlorence2Config(postProcessorConfig: unknown): Florence2ParseConfig {
  const root = isObject(postProcessorConfig) ? postProcessorConfig : {};
  const grounding = isObject(root.phrase_grounding) ? root.phrase_grounding : {};
  const ocr = isObject(root.ocr) ? root.ocr : {};
  const banned = grounding.banned_grounding_tokens;
  return {
    ...(Array.isArray(banned) ? { bannedGroundingTokens: banned.filter((t) => typeof t === "string") } : {}),
    ...(typeof ocr.PATTERN === "string" ? { ocrPattern: ocr.PATTERN } : {}),
    ...(typeof ocr.AREA_THRESHOLD === "number" ? { ocrAreaThreshold: ocr.AREA_THRESHOLD } : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
