import { createEmbeddings, type EmbeddingSpace, type Embeddings } from "../embeddings.js";
import { ClipkitError } from "../errors.js";
import { normalizeRows } from "../math/vector.js";
import type { Tokenizer } from "../tokenizer/types.js";
import { checkBatchSize, type Rows, runBatches } from "./batches.js";
import { logitConstants } from "./graph-scan.js";
import { canReadRanges, describeGraph, type GraphSource, type LazySession } from "./graph-source.js";
import type { CreateClipModelOptions, LoadedClipModel } from "./options.js";
import { type GraphFile, resolveClipLayout } from "./resolve.js";
import { defaultScoring, type ScoringSource, scoringFromConstants, scoringFromGraph } from "./scoring.js";
import { sampledFingerprint, spaceId } from "./space-id.js";
import { declaredImageSize, declaredTextLength, type TokenBatch, textTower, visionTower } from "./towers.js";
import type { EmbedOptions, Scoring } from "./types.js";

/** Tokenises with the model's padding rule and flattens into int64 rows. */
export function tokenize(
  tokenizer: Tokenizer,
  texts: readonly string[],
  padding: "longest" | "max_length",
  maxLength: number,
): TokenBatch {
  texts.forEach((t, i) => {
    if (typeof t !== "string") {
      throw new ClipkitError("INVALID_ARGUMENT", `texts[${i}] is not a string`, {
        details: { argument: "texts", index: i },
      });
    }
  });
  const enc = tokenizer.encodeBatch(texts, { padding, maxLength, truncation: true });
  const length = enc.inputIds[0]?.length ?? 0;
  const ids = new BigInt64Array(texts.length * length);
  const mask = new BigInt64Array(texts.length * length);
  enc.inputIds.forEach((row, r) => {
    if (row.length !== length) {
      throw new ClipkitError(
        "TOKENIZER_INVALID",
        `tokenizer returned ragged rows (${row.length} vs ${length})`,
      );
    }
    row.forEach((v, c) => {
      ids[r * length + c] = BigInt(v);
      mask[r * length + c] = BigInt(enc.attentionMask[r]?.[c] ?? 1);
    });
  });
  return { ids, mask, count: texts.length, length };
}

/**
 * Builds a {@link ClipModel} from a hub-layout folder (`config.json`, `onnx/*.onnx`) on any backend.
 * Resolution ({@link resolveClipLayout}) picks the files; this function opens sessions, binds graph
 * I/O by name, reads the scoring constants and derives the embedding space.
 *
 * Sessions are created lazily: each tower's graph is scanned at load (inputs, outputs and weights
 * files checked, so a folder that does not fit fails here) and opened on its first embedding call,
 * so an image-only job never opens the text graph. Where the files live on disk and the backend
 * opens graphs by path, no weights are read into JavaScript memory. Files without ranged reads
 * (`ModelFiles.readRange`, e.g. over HTTP) are read once and opened at load.
 *
 * The scoring constants of a folder with a combined graph are read from that graph's structure
 * (`logitConstants`); only a graph built some other way is run to fit them. A hub snapshot of a
 * split export may hold, instead of the combined graph, the constants the hub resolver read from
 * that graph's structure over ranged requests (`layout.scoringRecord`, a
 * `<graph>.clipkit-scoring.json` of this commit): `scoringSource` is `"graph"` then too.
 *
 * The space id is `<_name_or_path>@<12 hex of a sampled SHA-256 of the graph files used>` (see
 * {@link sampledFingerprint}) unless `spaceId` is given. Vectors are L2-normalised unless `normalize: false` is passed per call (the
 * combined graph's embeddings are normalised by the graph itself either way).
 */
export async function createClipModel<I>(options: CreateClipModelOptions<I>): Promise<LoadedClipModel<I>> {
  const { backend, files, tokenizer } = options;
  const defaultBatch = checkBatchSize(options.batchSize, 32);
  const layout = await resolveClipLayout(files, {
    ...(options.dtype ? { dtype: options.dtype } : {}),
    ...(options.layout ? { prefer: options.layout } : {}),
  });
  const { config } = layout;
  // A graph with a fixed sequence length (open_clip exports add the whole position table) only
  // runs rows padded to exactly that length; set while the graphs are described below.
  let fixedLength: number | undefined;
  // Read from the tokenizer on first use, not here: a deferred tokenizer stays unparsed in an
  // image-only job.
  const toTokens = (texts: readonly string[]): TokenBatch => {
    if (fixedLength !== undefined) return tokenize(tokenizer, texts, "max_length", fixedLength);
    // The position table bounds the length; a tokenizer may declare less (never more is usable).
    const declared = tokenizer.modelMaxLength;
    const maxLength = declared > 0 ? Math.min(config.maxTextLength, declared) : config.maxTextLength;
    return tokenize(tokenizer, texts, config.modelType === "siglip" ? "max_length" : "longest", maxLength);
  };
  const opened: LazySession[] = [];
  const eager = !canReadRanges(files);
  // With ranged reads the graph scans are a few hundred small awaited reads each: start them
  // together. Files read whole are described one at a time (each holds its bytes until opened).
  const described = new Map<string, Promise<GraphSource>>();
  const describe = (g: GraphFile): Promise<GraphSource> => {
    let pending = described.get(g.path);
    if (!pending) {
      pending = describeGraph(backend, files, g, options.session);
      // Awaited by open(); until then a failure must not surface as an unhandled rejection.
      pending.catch(() => undefined);
      described.set(g.path, pending);
    }
    return pending;
  };
  const open = async (g: GraphFile, tower = true): Promise<GraphSource> => {
    const loaded = await describe(g);
    opened.push(loaded.session);
    // Bytes read whole (no ranged reads) are turned into a session now, so they can be dropped.
    if (eager && tower) await loaded.session.open();
    const fixed = declaredTextLength(loaded.session);
    if (fixed !== undefined) fixedLength = fixed;
    return loaded;
  };
  try {
    const combined = layout.kind === "combined";
    const combinedFile = layout.combined;
    // jina-clip's combined graph has no logits output to calibrate on.
    const recorded = layout.scoringRecord;
    const calibrate =
      !options.scoring &&
      (combinedFile !== undefined || recorded !== undefined) &&
      options.calibrateScoring !== false &&
      config.family !== "jina_clip";
    const calibrateOn = async (graph: GraphSource, file: GraphFile): Promise<Scoring> =>
      scoringFromConstants(config.modelType, logitConstants(graph.scan), graph.label) ??
      scoringFromGraph(
        graph.session,
        `${files.location}/${file.path}`,
        config.modelType,
        toTokens(["a photo of a cat", "a diagram", "", "two dogs playing in the snow"]),
        requireSize(declaredImageSize(graph.session) ?? config.imageSize, file.path),
      );
    let scoring: Scoring = options.scoring ?? defaultScoring(config);
    const scoringSource: ScoringSource = options.scoring ? "option" : calibrate ? "graph" : "config";

    let textGraph: GraphSource;
    let visionGraph: GraphSource;
    if (!eager && !combined) {
      if (calibrate && combinedFile) void describe(combinedFile);
      void describe(layout.text);
      void describe(layout.vision);
    }
    if (combined) {
      textGraph = await open(layout.text);
      visionGraph = textGraph;
      if (calibrate) scoring = await calibrateOn(textGraph, layout.text);
    } else {
      if (calibrate && combinedFile) {
        // Before the towers, so peak memory is one copy of the weights, not two (when the
        // constants cannot be read from the structure and the graph has to run).
        const graph = await open(combinedFile, false);
        try {
          scoring = await calibrateOn(graph, combinedFile);
        } finally {
          opened.splice(opened.indexOf(graph.session), 1);
          await graph.session.release();
        }
      } else if (calibrate && recorded) {
        // The hub resolver read the constants from the remote graph's structure (no download).
        const label = `${files.location}/${recorded.graph} (scoring record)`;
        const fitted = scoringFromConstants(config.modelType, recorded, label);
        if (!fitted) {
          throw new ClipkitError(
            "MODEL_CONFIG_INVALID",
            `${label}: scale ${recorded.scale}${recorded.bias === undefined ? "" : `, bias ${recorded.bias}`} do not fit a ${config.modelType} model`,
            { details: { file: label, record: recorded } },
          );
        }
        scoring = fitted;
      }
      textGraph = await open(layout.text);
      visionGraph = await open(layout.vision);
    }
    // Graphs may declare the embedding width symbolically (onnxruntime resolves it by shape
    // inference); without a projection_dim to fall back on, open the vision graph now to ask.
    const numericWidth = (g: GraphSource) =>
      g.session.outputs.some(
        (o) => /embeds|pooler_output/.test(o.name) && typeof o.dims?.at(-1) === "number",
      );
    if (config.projectionDim === undefined && !numericWidth(textGraph) && !numericWidth(visionGraph)) {
      await visionGraph.session.open();
    }
    const imageSize = declaredImageSize(visionGraph.session) ?? config.imageSize;
    const dummy = combined
      ? { tokens: toTokens([""]), imageSize: requireSize(imageSize, layout.text.path) }
      : undefined;
    const text = textTower(
      textGraph.session,
      `${files.location}/${layout.text.path}`,
      config.modelType,
      dummy,
    );
    const vision = visionTower(
      visionGraph.session,
      `${files.location}/${layout.vision.path}`,
      config.modelType,
      dummy,
    );

    const dim = text.declaredDim ?? vision.declaredDim ?? config.projectionDim;
    if (
      dim === undefined ||
      (text.declaredDim && vision.declaredDim && text.declaredDim !== vision.declaredDim)
    ) {
      throw new ClipkitError(
        "MODEL_CONFIG_INVALID",
        `${files.location}: cannot tell the embedding width (text ${text.declaredDim ?? "?"}, vision ${vision.declaredDim ?? "?"}, projection_dim ${config.projectionDim ?? "?"})`,
        { details: { location: files.location } },
      );
    }
    const hash = await sampledFingerprint(
      combined ? textGraph.files : [...textGraph.files, ...visionGraph.files],
      backend.sha256?.bind(backend),
    );
    // Only these outlive the load: the graph descriptions may hold bytes (files without ranges).
    const textPerInput = textGraph.perInput;
    const visionPerInput = visionGraph.perInput;
    const space: EmbeddingSpace = {
      id: options.spaceId ?? spaceId(config.nameOrPath, config.modelType, hash),
      dim,
      normalized: true,
    };
    const rawSpace: EmbeddingSpace = { ...space, normalized: false };

    const finish = (rows: Rows, embed: EmbedOptions | undefined, label: string): Embeddings => {
      if (rows.count > 0 && rows.dim !== dim) {
        throw new ClipkitError(
          "SHAPE_MISMATCH",
          `${label}: produced ${rows.dim}-wide embeddings, expected ${dim}`,
          {
            details: { file: label, expected: dim, actual: rows.dim },
          },
        );
      }
      if (embed?.normalize === false) return createEmbeddings(rows.data, rows.count, rawSpace);
      return createEmbeddings(rows.count > 0 ? normalizeRows(rows.data, dim) : rows.data, rows.count, space);
    };
    let released = false;
    const alive = (): void => {
      if (released) throw new ClipkitError("INVALID_ARGUMENT", "the model was released");
    };

    return {
      modelType: config.modelType,
      space,
      scoring,
      scoringSource,
      layout,
      tokenizer,
      async embedTexts(texts, embed) {
        alive();
        if (!Array.isArray(texts)) {
          throw new ClipkitError("INVALID_ARGUMENT", "texts must be an array of strings", {
            details: { argument: "texts" },
          });
        }
        const rows = await runBatches(texts, {
          batchSize: textPerInput ? 1 : checkBatchSize(embed?.batchSize, defaultBatch),
          prepare: async (slice) => toTokens(slice),
          infer: (batch) => text.run(batch),
          ...(embed?.signal ? { signal: embed.signal } : {}),
          ...(embed?.onProgress ? { onProgress: embed.onProgress } : {}),
        });
        return finish(rows, embed, text.label);
      },
      async embedImages(inputs, embed) {
        alive();
        const prepare = options.prepareImages;
        if (!prepare) {
          throw new ClipkitError(
            "INVALID_ARGUMENT",
            "this model was created without prepareImages, so it cannot embed images",
            {
              details: { argument: "prepareImages" },
            },
          );
        }
        if (!Array.isArray(inputs)) {
          throw new ClipkitError("INVALID_ARGUMENT", "inputs must be an array of images", {
            details: { argument: "inputs" },
          });
        }
        const batchSize = visionPerInput ? 1 : checkBatchSize(embed?.batchSize, defaultBatch);
        // The first call creates the vision session. Start it now, beside the first batch's
        // preparation, rather than after it: onnxruntime-node creates it synchronously on the
        // JavaScript thread (seconds for a big graph), and a preparer with worker threads
        // (`warm`) decodes that batch on other cores meanwhile. The batch is queued first: the
        // creation itself only starts on a later turn of the event loop.
        let opening: Promise<unknown> | undefined;
        if (!visionGraph.session.opened && inputs.length > 0 && !embed?.signal?.aborted) {
          prepare.warm?.();
          opening = visionGraph.session.open();
          // Awaited before the first inference; a failure must not surface as unhandled meanwhile.
          opening.catch(() => undefined);
        }
        const rows = await runBatches(inputs, {
          batchSize,
          ramp: true,
          prepare,
          infer: async (batch) => {
            // A failed creation is not retried within this call: its error is the answer.
            if (opening) await opening;
            return vision.run(batch);
          },
          ...(embed?.signal ? { signal: embed.signal } : {}),
          ...(embed?.onProgress ? { onProgress: embed.onProgress } : {}),
        });
        return finish(rows, embed, vision.label);
      },
      async release() {
        if (released) return;
        released = true;
        await Promise.all(opened.map((s) => s.release()));
      },
    };
  } catch (error) {
    await Promise.allSettled(opened.map((s) => s.release()));
    throw error;
  }
}

function requireSize(size: number | undefined, file: string): number {
  if (size === undefined) {
    throw new ClipkitError(
      "MODEL_CONFIG_INVALID",
      `${file}: cannot tell the image size (no fixed pixel_values dims, no vision_config.image_size)`,
      { details: { file } },
    );
  }
  return size;
}
