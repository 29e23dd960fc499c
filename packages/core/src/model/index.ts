export type { ClipModel, EmbedOptions, ImageEmbedder, Scoring, TextEmbedder } from "./types.js";
