/**
 * The contract between the VLM front-ends (captioner, VQA, chat) and a model family. A family
 * recognises its folders, loads their sessions, turns requests into prompt ids plus whatever
 * its encoders need, and starts a generation; the shared engine (vlm/run.ts) does the rest.
 */
import type { ModelFiles } from "../backend/session.js";
import type { GenerationDefaults } from "../generation/options.js";
import type { LogitsModel } from "../generation/types.js";
import type { RawImage } from "../image/types.js";
import type { ModelDtype } from "../model/dtype.js";
import type { Tokenizer } from "../tokenizer/types.js";
import type { VlmConfig } from "./config.js";
import type { VlmLoadOptions } from "./options.js";

/** A part of a chat message, in transformers' processor chat format. */
export type ChatContent =
  | { readonly type: "text"; readonly text: string }
  /**
   * An image placeholder; the pixels are `image` or, when absent, the next of the images given
   * beside the messages (`Vlm.chat`'s `images`, paired by `chatImages`).
   */
  | { readonly type: "image"; readonly image?: RawImage };

/** One chat turn. A string `content` is one text part. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string | readonly ChatContent[];
}

/**
 * What one generated sequence is asked for. `images` are decoded pixels in prompt order; for a
 * chat, one per image part of `messages`, inline ones included, as `chatImages(messages, extra)`
 * returns them (families read the pixels from `images`, never from the parts).
 */
export type VlmRequest =
  | {
      readonly kind: "caption";
      readonly images: readonly RawImage[];
      /** Conditional captioning text (BLIP's "a picture of") or a captioning instruction. */
      readonly prompt?: string;
    }
  | { readonly kind: "question"; readonly images: readonly RawImage[]; readonly question: string }
  | {
      readonly kind: "chat";
      readonly images: readonly RawImage[];
      readonly messages: readonly ChatMessage[];
      readonly system?: string;
    }
  | {
      readonly kind: "task";
      readonly images: readonly RawImage[];
      /** A task token such as Florence-2's `"<OD>"`. */
      readonly task: string;
      /** The task's text input (e.g. the phrase of `<CAPTION_TO_PHRASE_GROUNDING>`). */
      readonly text?: string;
    };

/** The kinds of {@link VlmRequest}. */
export type VlmRequestKind = VlmRequest["kind"];

/** A request turned into token ids and whatever the family needs to start generating. */
export interface PreparedRequest {
  /** Prompt ids fed at the first step (decoder prefix or LM prompt); generation continues after them. */
  readonly ids: readonly number[];
  /** Decoder positions the prompt takes (image features included), for length checks. */
  readonly positions: number;
  /** Requests with equal keys may share one `start` batch. */
  readonly batchKey: string;
  /** Family-private data (preprocessed pixels, grids, masks…), handed back to `start`. */
  readonly data: unknown;
}

/** A loaded VLM, whatever its family. */
export interface VlmModel {
  /** Family name, e.g. `"encoder-decoder"`, `"llava"`. */
  readonly family: string;
  readonly tokenizer: Tokenizer;
  readonly defaults: GenerationDefaults;
  readonly config: VlmConfig;
  /** Request kinds this model answers; others fail with `PROMPT_INVALID`. */
  readonly kinds: readonly VlmRequestKind[];
  /** Task tokens this model knows (Florence-2 style); empty when none. */
  readonly tasks: readonly string[];
  /**
   * Validates and tokenizes one request and preprocesses its images (`index` names it in
   * errors). Fails with `PROMPT_INVALID` / `INVALID_ARGUMENT`.
   */
  prepare(request: VlmRequest, index: number): PreparedRequest;
  /** Runs the image/prompt encoders for one batch (all with one `batchKey`) → a {@link LogitsModel}. */
  start(batch: readonly PreparedRequest[], useCache: boolean): Promise<LogitsModel>;
  /** A structured reading of the generated text (e.g. Florence-2 boxes), if the family has one. */
  postprocess?(text: string, tokens: readonly number[], request: VlmRequest): unknown;
  /** Frees the sessions. */
  release(): Promise<void>;
}

/** What is read from a folder before a family is chosen. */
export interface VlmFolder {
  readonly files: ModelFiles;
  readonly dtype: ModelDtype;
  /** config.json, parsed. */
  readonly config: Readonly<Record<string, unknown>>;
  /** `config.model_type`. */
  readonly modelType: string | undefined;
  /** `config.architectures`. */
  readonly architectures: readonly string[];
  /** generation_config.json, parsed (undefined when absent). */
  readonly generationConfig: unknown;
}

/** A model family: how to recognise and load its folders. */
export interface VlmFamily {
  readonly name: string;
  /** One line for `MODEL_LAYOUT_UNSUPPORTED`: model types and ONNX files expected. */
  readonly summary: string;
  matches(folder: VlmFolder): Promise<boolean>;
  /**
   * The ONNX graphs `load` will open for the folder's dtype (external data excluded), so a hub
   * download fetches exactly those. Fails with `MODEL_FILE_MISSING` naming a missing one.
   */
  graphs(folder: VlmFolder): Promise<readonly string[]>;
  load(folder: VlmFolder, options: VlmLoadOptions): Promise<VlmModel>;
}
