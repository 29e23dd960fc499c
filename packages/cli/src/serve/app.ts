import { timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import type { ImageInput } from "@clipkit/backend-node";
import {
  type AdaptedHead,
  buildZeroShotHead,
  ClipkitError,
  createEmbeddings,
  type GenerationResult,
  type LoadedClipModel,
  type Metadata,
  type SearchHit,
  type ZeroShotHead,
} from "@clipkit/core";
import { buildPrompts } from "@clipkit/prompts";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { templatesFromFlags } from "../util/templates.js";
import { HttpError, toErrorResponse } from "./errors.js";
import type { IndexSource } from "./index-source.js";
import type { Limiter } from "./limiter.js";
import { createMetrics, type ServeMetrics } from "./metrics.js";
import { openApiDocument } from "./openapi.js";
import { type ParsedQuery, parseQuery } from "./request.js";
import { UI_HTML } from "./ui.js";
import type { ServedVlm } from "./vlm.js";

/** What {@link createServeApp} serves. */
export interface ServeAppOptions {
  model: LoadedClipModel<ImageInput>;
  holder: IndexSource;
  limiter: Limiter;
  /** A captioning/VQA model: `/caption` and `/ask` answer only when one is given (`--vlm`). */
  vlm?: ServedVlm;
  /** A head loaded at start-up: `/classify` without labels uses it. */
  head?: ZeroShotHead | AdaptedHead;
  /** When set, every route but `/healthz` and the UI page needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  log: (line: string) => void;
}

/** Heads built from request labels, kept so repeated label sets skip the text tower. */
const HEAD_CACHE_SIZE = 16;
/** The fixed routes and their methods, for 405 answers (kept in step with the routes below). */
const ROUTE_METHODS: Record<string, readonly string[]> = {
  "/": ["GET"],
  "/openapi.json": ["GET"],
  "/healthz": ["GET"],
  "/metrics": ["GET"],
  "/search": ["POST"],
  "/classify": ["POST"],
  "/caption": ["POST"],
  "/ask": ["POST"],
};
/** Labels one `/classify` request may name (bounds the text-tower work per request). */
const MAX_LABELS = 1000;
/** Served files above this size are refused (the UI shows thumbnails of indexed images). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const MIME: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
  ".avif": "image/avif",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
};

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function normalise(values: readonly number[], dim: number): Float32Array {
  if (values.length !== dim)
    throw new ClipkitError(
      "SHAPE_MISMATCH",
      `embedding has ${values.length} values, the index holds ${dim}-d vectors`,
      {
        details: { argument: "embedding", expected: dim, actual: values.length },
      },
    );
  const v = Float32Array.from(values);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (!Number.isFinite(norm))
    throw new ClipkitError("NON_FINITE", "embedding holds a non-finite value", {
      details: { argument: "embedding" },
    });
  if (norm === 0)
    throw new ClipkitError("ZERO_VECTOR", "embedding is all zeros", { details: { argument: "embedding" } });
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

function oneQuery(q: ParsedQuery): "text" | "embedding" | "image" {
  const given = (["text", "embedding", "image"] as const).filter((key) => q[key] !== undefined);
  if (given.length !== 1)
    throw new ClipkitError(
      "INVALID_ARGUMENT",
      `give exactly one of text, embedding or image (got ${given.length === 0 ? "none" : given.join(", ")})`,
      {
        details: { argument: "body" },
      },
    );
  if (given[0] === "text" && q.text!.trim() === "")
    throw new ClipkitError("INVALID_ARGUMENT", "text is empty: give the words to search for", {
      details: { argument: "text" },
    });
  return given[0]!;
}

/**
 * The HTTP API of `clipkit serve` as a Hono app (no socket: `@hono/node-server` serves it, tests
 * may call `app.request`). Every model/index call runs through the limiter, so concurrency,
 * queue length and per-request time are bounded; errors are `{error: {code, message}}`.
 */
export function createServeApp(o: ServeAppOptions): { app: Hono; metrics: ServeMetrics } {
  const metrics = createMetrics({
    running: () => o.limiter.running,
    queued: () => o.limiter.queued,
    indexSize: () => o.holder.current.index.size(),
    generation: () => o.holder.generation,
  });
  const heads = new Map<string, Promise<ZeroShotHead>>();
  const app = new Hono();

  app.onError((error, c) => {
    const { status, body, internal } = toErrorResponse(error, c.req.raw.signal.aborted);
    if (internal)
      o.log(`clipkit serve: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}\n`);
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    // A known path asked with the wrong method is 405 with the methods it takes, not "no route".
    const allowed = ROUTE_METHODS[c.req.path];
    if (allowed) {
      c.header("Allow", allowed.join(", "));
      return c.json(
        {
          error: {
            code: "METHOD_NOT_ALLOWED",
            message: `${c.req.path} takes ${allowed.join(" or ")}, not ${c.req.method}`,
          },
        },
        405,
      );
    }
    return c.json(
      { error: { code: "ROUTE_NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    );
  });

  app.use("*", async (c, next) => {
    const started = process.hrtime.bigint();
    await next();
    const route = c.req.routePath === "/*" ? "unmatched" : c.req.routePath;
    metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.duration.observe(
      { method: c.req.method, route },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  });
  app.use("*", async (c, next) => {
    if (o.token === undefined || c.req.path === "/healthz" || c.req.path === "/") return next();
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!sameToken(given, o.token)) throw new HttpError(401, "UNAUTHORIZED", "missing or wrong bearer token");
    return next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: o.maxBodyBytes,
      onError: () => {
        throw new HttpError(
          413,
          "PAYLOAD_TOO_LARGE",
          `request body over ${o.maxBodyBytes} bytes (--max-body)`,
        );
      },
    }),
  );

  app.get("/", (c) => c.html(UI_HTML));
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/healthz", (c) => {
    const { kind, index } = o.holder.current;
    return c.json({
      status: "ok",
      model: o.model.space.id,
      vlm: o.vlm?.source ?? null,
      index: {
        path: o.holder.path,
        kind,
        size: index.size(),
        generation: o.holder.generation,
        lastReloadError: o.holder.lastError ?? null,
      },
      running: o.limiter.running,
      queued: o.limiter.queued,
    });
  });
  app.get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.post("/search", async (c) => {
    const q = await parseQuery(c);
    const by = oneQuery(q);
    const loaded = o.holder.current; // This request keeps this index even if a reload swaps it.
    const options = { k: q.k ?? 10, ...(q.filter ? { filter: q.filter } : {}) };
    const hits = await o.limiter.run(async (): Promise<SearchHit<Metadata>[]> => {
      const queries =
        by === "text"
          ? await o.model.embedTexts([q.text!])
          : by === "image"
            ? await o.model.embedImages([Buffer.from(q.image!)])
            : createEmbeddings(normalise(q.embedding!, loaded.index.space.dim), 1, loaded.index.space);
      const [out] = await loaded.index.search(queries, options);
      return out ?? [];
    });
    return c.json({
      query: by,
      k: options.k,
      index: { kind: loaded.kind, generation: o.holder.generation },
      results: hits,
    });
  });

  const headFor = (q: ParsedQuery): Promise<ZeroShotHead | AdaptedHead> => {
    if (!q.labels) {
      if (o.head) return Promise.resolve(o.head);
      throw new ClipkitError("INVALID_ARGUMENT", "give labels (no head was loaded with --head at start-up)", {
        details: { argument: "labels" },
      });
    }
    if (q.labels.length > MAX_LABELS)
      throw new ClipkitError(
        "INVALID_ARGUMENT",
        `at most ${MAX_LABELS} labels per request, got ${q.labels.length}`,
        {
          details: { argument: "labels" },
        },
      );
    const key = JSON.stringify([q.labels, q.templates ?? null]);
    let head = heads.get(key);
    if (!head) {
      head = buildZeroShotHead(o.model, buildPrompts(q.labels, templatesFromFlags(q.templates)));
      head.catch(() => heads.delete(key));
      heads.set(key, head);
      if (heads.size > HEAD_CACHE_SIZE) heads.delete(heads.keys().next().value!);
    }
    return head;
  };

  app.post("/classify", async (c) => {
    const q = await parseQuery(c);
    if (!q.image)
      throw new ClipkitError("INVALID_ARGUMENT", "send the image as bytes or a multipart 'image' field", {
        details: { argument: "image" },
      });
    const result = await o.limiter.run(async () => {
      const head = await headFor(q);
      head.assertSpace(o.model.space, "classify");
      const [r] = head.classify(await o.model.embedImages([Buffer.from(q.image!)]), { topK: q.topK ?? 5 });
      return r!;
    });
    return c.json({ top: result.top, ood: result.ood });
  });

  const vlmRequest = async (c: Context) => {
    if (!o.vlm)
      throw new HttpError(
        404,
        "VLM_NOT_LOADED",
        "no captioning/VQA model loaded: start clipkit serve with --vlm DIR",
      );
    const q = await parseQuery(c);
    if (!q.image)
      throw new ClipkitError("INVALID_ARGUMENT", "send the image as bytes or a multipart 'image' field", {
        details: { argument: "image" },
      });
    const options = {
      ...(q.maxNewTokens !== undefined ? { maxNewTokens: q.maxNewTokens } : {}),
      ...(q.numBeams !== undefined ? { numBeams: q.numBeams } : {}),
    };
    return { vlm: o.vlm, q, image: q.image, options };
  };
  const generated = (r: GenerationResult) => ({
    text: r.text.trim(),
    tokens: [...r.tokens],
    score: r.score ?? null,
  });

  app.post("/caption", async (c) => {
    const { vlm, image, options } = await vlmRequest(c);
    const r = await o.limiter.run(() => vlm.caption(image, options));
    return c.json(generated(r));
  });

  app.post("/ask", async (c) => {
    const { vlm, q, image, options } = await vlmRequest(c);
    const question = q.question ?? q.text;
    if (question === undefined || question.trim() === "")
      throw new ClipkitError("INVALID_ARGUMENT", "give the question as the 'question' field", {
        details: { argument: "question" },
      });
    const r = await o.limiter.run(() => vlm.ask(image, question, options));
    return c.json({ question, ...generated(r) });
  });

  app.get("/file/:id", async (c) => {
    const id = c.req.param("id");
    // Only paths the index records are served: the id must name an indexed item.
    const full = await o.holder.filePath(id);
    if (full === undefined)
      throw new ClipkitError("NOT_FOUND", `no indexed file with id ${JSON.stringify(id)}`, {
        details: { id },
      });
    const path = full;
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile())
      throw new ClipkitError("NOT_FOUND", `indexed file ${path} is gone`, { details: { id, path } });
    if (info.size > MAX_FILE_BYTES)
      throw new HttpError(413, "PAYLOAD_TOO_LARGE", `${path} is over ${MAX_FILE_BYTES} bytes`);
    c.header("content-type", MIME[extname(full).toLowerCase()] ?? "application/octet-stream");
    c.header("cache-control", "no-cache");
    return c.body(await readFile(full));
  });

  return { app, metrics };
}
