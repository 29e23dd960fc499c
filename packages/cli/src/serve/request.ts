import { ClipkitError, type FilterValue, type MetadataFilter } from "@clipkit/core";
import type { Context } from "hono";
import { HttpError, isClientAbort } from "./errors.js";

/** The most hits one request may ask for (bounds the response size). */
export const MAX_K = 1000;

/** A query as the handlers see it, whatever the request's content type. */
export interface ParsedQuery {
  text?: string;
  embedding?: number[];
  image?: Uint8Array;
  k?: number;
  filter?: MetadataFilter;
  labels?: string[];
  templates?: string[];
  topK?: number;
  /** `/ask`: the question about the image. */
  question?: string;
  /** `/caption`, `/ask`: most tokens to generate (≤ {@link MAX_NEW_TOKENS}). */
  maxNewTokens?: number;
  /** `/caption`, `/ask`: beam search width (≤ {@link MAX_BEAMS}). */
  numBeams?: number;
}

/** Bounds of the generation settings a request may choose (time and memory per request). */
export const MAX_NEW_TOKENS = 256;
export const MAX_BEAMS = 8;

const bad = (message: string, argument: string) =>
  new ClipkitError("INVALID_ARGUMENT", message, { details: { argument } });

function parseInt1(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  // Form fields arrive as text, so a string is accepted — but only as decimal digits, as the CLI's
  // flags: Number() would also take "1e1", "0x10" or " 5 ".
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw bad(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(value)}`, name);
  return n;
}

function parseFilter(value: unknown): MetadataFilter | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      throw bad('filter must be a JSON object like {"folder":"cats"}', "filter");
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw bad("filter must be an object of key → scalar", "filter");
  const out: Record<string, FilterValue> = {};
  for (const [key, x] of Object.entries(v)) {
    if (x !== null && !["string", "number", "boolean"].includes(typeof x))
      throw bad(`filter.${key} must be a string, number, boolean or null`, "filter");
    out[key] = x as FilterValue;
  }
  return out;
}

function parseList(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const items = Array.isArray(value) ? value : String(value).split(",");
  if (!items.every((s) => typeof s === "string")) throw bad(`${name} must be strings`, name);
  const list = (items as string[]).map((s) => s.trim()).filter((s) => s !== "");
  return list.length > 0 ? list : undefined;
}

function parseEmbedding(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((x) => typeof x === "number"))
    throw bad("embedding must be an array of numbers", "embedding");
  return value as number[];
}

function fromFields(fields: Record<string, unknown>, image?: Uint8Array): ParsedQuery {
  const q: ParsedQuery = {};
  if (typeof fields.text === "string") q.text = fields.text;
  else if (fields.text !== undefined) throw bad("text must be a string", "text");
  const embedding = parseEmbedding(fields.embedding);
  if (embedding) q.embedding = embedding;
  if (image) q.image = image;
  const k = parseInt1(fields.k, "k", MAX_K);
  if (k !== undefined) q.k = k;
  const topK = parseInt1(fields.topK ?? fields.top_k, "topK", MAX_K);
  if (topK !== undefined) q.topK = topK;
  const filter = parseFilter(fields.filter);
  if (filter) q.filter = filter;
  const labels = parseList(fields.labels, "labels");
  if (labels) q.labels = labels;
  const templates = parseList(fields.templates, "templates");
  if (templates) q.templates = templates;
  if (typeof fields.question === "string") q.question = fields.question;
  else if (fields.question !== undefined) throw bad("question must be a string", "question");
  const maxNewTokens = parseInt1(
    fields.maxNewTokens ?? fields.max_new_tokens,
    "maxNewTokens",
    MAX_NEW_TOKENS,
  );
  if (maxNewTokens !== undefined) q.maxNewTokens = maxNewTokens;
  const numBeams = parseInt1(fields.numBeams ?? fields.num_beams, "numBeams", MAX_BEAMS);
  if (numBeams !== undefined) q.numBeams = numBeams;
  return q;
}

/**
 * Reads a query from JSON (`{text|embedding, k, filter, labels, templates}`), multipart form data
 * (an `image` file plus the same fields, `filter` as JSON text), or a raw image body
 * (`image/*` or `application/octet-stream`, the other fields in the query string).
 */
export async function parseQuery(c: Context): Promise<ParsedQuery> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch (error) {
      if (isClientAbort(error, c.req.raw.signal.aborted)) throw error;
      throw bad("the body is not valid JSON", "body");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw bad("the JSON body must be an object", "body");
    return fromFields(body as Record<string, unknown>);
  }
  if (type === "multipart/form-data") {
    let form: Awaited<ReturnType<typeof c.req.parseBody>>;
    try {
      form = await c.req.parseBody();
    } catch (error) {
      // A client that hung up mid-body did not send a bad body: the error handler says 499.
      if (isClientAbort(error, c.req.raw.signal.aborted)) throw error;
      throw bad(
        "the body is not valid multipart/form-data (a boundary parameter and parts separated by it)",
        "body",
      );
    }
    const file = form.image;
    const image = file instanceof File ? new Uint8Array(await file.arrayBuffer()) : undefined;
    if (file !== undefined && !image) throw bad("the image field must be a file", "image");
    for (const [key, value] of Object.entries(form))
      if (key !== "image" && typeof value !== "string")
        throw bad(`the ${key} field must be text, not a file`, key);
    return fromFields(form as Record<string, unknown>, image);
  }
  if (type.startsWith("image/") || type === "application/octet-stream") {
    const image = new Uint8Array(await c.req.arrayBuffer());
    if (image.length === 0) throw bad("empty image body", "image");
    return fromFields(c.req.query(), image);
  }
  throw new HttpError(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `content-type ${JSON.stringify(type)} not accepted: send application/json, multipart/form-data or image bytes`,
  );
}
