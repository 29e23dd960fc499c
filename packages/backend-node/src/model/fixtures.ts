import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Repo-root `fixtures/models/`, where the tiny CLIP/SigLIP folders live (tools/fixtures/clip). */
export const MODELS_DIR = fileURLToPath(new URL("../../../../fixtures/models/", import.meta.url));

/** One `fixtures/models/<name>.reference.json` (PyTorch fp32 outputs). */
export interface Reference {
  readonly dim: number;
  readonly scoring: { kind: "softmax" | "sigmoid"; logitScale: number; logitBias?: number };
  readonly texts: ReadonlyArray<{ text: string; ids: number[]; embedding: number[] }>;
  readonly images: ReadonlyArray<{ file: string; pixels: string; embedding: number[] }>;
  readonly logitsPerImage: number[][];
}

export function readReference(name: string): Reference {
  return JSON.parse(readFileSync(`${MODELS_DIR}${name}.reference.json`, "utf8")) as Reference;
}

/** Base64 little-endian float32 → Float32Array. */
export function decodePixels(b64: string): Float32Array {
  const buf = Buffer.from(b64, "base64");
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Cosine of row `i` of a row-major batch against a reference vector. */
export function cosineToRow(data: Float32Array, dim: number, i: number, ref: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < dim; k++) {
    const a = data[i * dim + k]!;
    const b = ref[k]!;
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return dot / Math.sqrt(na * nb);
}
