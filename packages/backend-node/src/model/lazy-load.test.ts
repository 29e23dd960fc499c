import { readFile } from "node:fs/promises";
import {
  type Backend,
  bytesSource,
  createClipModel,
  externalDataLocations,
  graphOpTypes,
  loadTokenizer,
  logitConstants,
  type ModelFiles,
  parsePreprocessorConfig,
  sampledFingerprint,
  scanGraph,
} from "@clipkit/core";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { nodeFiles } from "../files/index.js";
import { nodeBackend } from "../session/index.js";
import { MODELS_DIR, readReference } from "./fixtures.js";
import { nodeImagePreparer } from "./prepare.js";

const GRAPHS = [
  "tiny-clip/onnx/text_model.onnx",
  "tiny-clip/onnx/vision_model.onnx",
  "tiny-clip/onnx/model.onnx",
  "tiny-clip/onnx/model_fp16.onnx",
  "tiny-clip/onnx/vision_model_quantized.onnx",
  "tiny-siglip/onnx/model.onnx",
  "tiny-siglip/onnx/text_model_quantized.onnx",
  "tiny-siglip2/onnx/vision_model.onnx",
  "tiny-openclip/onnx/model.onnx",
  "external-data/ok/onnx/graph.onnx",
];

describe("scanGraph: what the loader reads without loading", () => {
  it.each(GRAPHS)(
    "%s: inputs and outputs as onnxruntime reports them, ops and weights files as the whole-file readers find them",
    async (path) => {
      const bytes = new Uint8Array(await readFile(`${MODELS_DIR}${path}`));
      const scan = await scanGraph(bytesSource(bytes), path);
      const session = await ort.InferenceSession.create(`${MODELS_DIR}${path}`);
      try {
        // onnxruntime may refine a symbolic output dim (e.g. "Divtext_embeds_dim_1") to the number
        // its shape inference found; every dim the graph declares as a number is the same.
        const compare = (
          scanned: typeof scan.inputs,
          list: readonly ort.InferenceSession.ValueMetadata[],
        ) => {
          expect(scanned.map((v) => [v.name, v.type])).toEqual(
            list.map((m) => [m.name, m.isTensor ? m.type : undefined]),
          );
          list.forEach((m, i) => {
            if (!m.isTensor) return;
            const dims = scanned[i]!.dims!;
            expect(dims).toHaveLength(m.shape.length);
            dims.forEach((d, k) => {
              if (typeof d === "number" || typeof m.shape[k] === "string") expect(d).toEqual(m.shape[k]);
            });
          });
        };
        compare(scan.inputs, session.inputMetadata);
        compare(scan.outputs, session.outputMetadata);
      } finally {
        await session.release();
      }
      expect(scan.opTypes).toEqual(graphOpTypes(bytes, path));
      expect(scan.externalData).toEqual(externalDataLocations(bytes, path));
    },
  );

  it("reads a graph through small ranged reads, not whole", async () => {
    const path = `${MODELS_DIR}tiny-clip/onnx/model.onnx`;
    const bytes = new Uint8Array(await readFile(path));
    let read = 0;
    const scan = await scanGraph(
      {
        size: bytes.length,
        read: async (offset, length) => {
          read += length;
          return bytes.subarray(offset, offset + length);
        },
      },
      path,
    );
    expect(scan.nodes.length).toBeGreaterThan(100);
    // The tiny graph is 1.5 MB, mostly weights; the scan touches its structure only.
    expect(read).toBeLessThan(bytes.length / 2);
  });

  it.each([
    ["tiny-clip", "model.onnx"],
    ["tiny-clip", "model_fp16.onnx"],
    ["tiny-siglip", "model.onnx"],
    ["tiny-siglip", "model_quantized.onnx"],
  ])(
    "%s/%s: logit scale (and bias) read from the structure equal the trained constants",
    async (name, file) => {
      const ref = readReference(name).scoring;
      const path = `${MODELS_DIR}${name}/onnx/${file}`;
      const c = logitConstants(await scanGraph(bytesSource(new Uint8Array(await readFile(path))), path));
      // float16 graphs apply exp of the half-precision scale (4.605 → 4.6055 → 100.03).
      expect(Math.abs(c!.scale / ref.logitScale - 1)).toBeLessThan(file.includes("fp16") ? 5e-4 : 1e-6);
      if (ref.logitBias === undefined) expect(c?.bias).toBeUndefined();
      else expect(c!.bias).toBeCloseTo(ref.logitBias, 3);
    },
  );
});

describe("sampledFingerprint", () => {
  const big = new Uint8Array(9 << 20).map((_, i) => (i * 2654435761) >>> 24);

  it("is the same through ranged reads and over bytes in memory, and across loads", async () => {
    const a = await sampledFingerprint([bytesSource(big)]);
    const files = nodeFiles(`${MODELS_DIR}tiny-clip`);
    const ranged = {
      size: await files.size!("onnx/model.onnx"),
      read: (o: number, l: number) => files.readRange!("onnx/model.onnx", o, l),
    };
    const whole = bytesSource(await files.read("onnx/model.onnx"));
    expect(await sampledFingerprint([ranged])).toBe(await sampledFingerprint([whole]));
    expect(await sampledFingerprint([bytesSource(big.slice())])).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
  });

  it("is the same with a backend's native SHA-256 (nodeBackend) as with Web Crypto", async () => {
    const sha256 = nodeBackend().sha256!;
    const small = bytesSource(new Uint8Array([1, 2, 3]));
    for (const files of [[bytesSource(big)], [small], [small, bytesSource(big)]]) {
      expect(await sampledFingerprint(files, sha256)).toBe(await sampledFingerprint(files));
    }
    const parts = [big.subarray(0, 1000), big.subarray(1000, 5000), new Uint8Array(0)];
    const joined = new Uint8Array(await crypto.subtle.digest("SHA-256", big.slice(0, 5000)));
    expect(await sha256(parts)).toEqual(joined);
  });

  it("changes with the size, a byte inside a sampled block, or the order of files", async () => {
    const base = await sampledFingerprint([bytesSource(big)]);
    const edited = big.slice();
    edited[0] = (edited[0]! + 1) & 255;
    expect(await sampledFingerprint([bytesSource(edited)])).not.toBe(base);
    expect(await sampledFingerprint([bytesSource(big.subarray(1))])).not.toBe(base);
    const small = bytesSource(new Uint8Array([1, 2, 3]));
    expect(await sampledFingerprint([small, bytesSource(big)])).not.toBe(
      await sampledFingerprint([bytesSource(big), small]),
    );
  });
});

/** nodeFiles that records which files were read whole. */
function recording(dir: string): { files: ModelFiles; wholeReads: string[] } {
  const inner = nodeFiles(dir);
  const wholeReads: string[] = [];
  return {
    wholeReads,
    files: {
      ...inner,
      read: async (path) => {
        wholeReads.push(path);
        return inner.read(path);
      },
    },
  };
}

/** nodeBackend that records which graphs got a session. */
function counting(): { backend: Backend; opened: string[] } {
  const inner = nodeBackend();
  const opened: string[] = [];
  return {
    opened,
    backend: {
      ...inner,
      createSession: (model, options) => {
        opened.push(options?.label ?? "?");
        return inner.createSession(model, options);
      },
      createSessionFromPath: (path, options) => {
        opened.push(path);
        return inner.createSessionFromPath!(path, options);
      },
    },
  };
}

/** The image preparer for the folder's `preprocessor_config.json`. */
async function imagePreparer(files: ModelFiles) {
  return nodeImagePreparer(
    parsePreprocessorConfig(JSON.parse(await files.readText("preprocessor_config.json"))),
  );
}

/** `createClipModel` on `files` with the folder's tokenizer and image preparer. */
async function createModel(backend: Backend, files: ModelFiles) {
  return createClipModel({
    backend,
    files,
    tokenizer: await loadTokenizer(files),
    prepareImages: await imagePreparer(files),
  });
}

describe("lazy towers", () => {
  const dir = `${MODELS_DIR}tiny-clip`;

  it("an image-only job opens the vision graph only, by path, reading no graph into memory", async () => {
    const { files, wholeReads } = recording(dir);
    const { backend, opened } = counting();
    const model = await createModel(backend, files);
    try {
      expect(opened).toEqual([]);
      expect(model.scoringSource).toBe("graph");
      expect(model.scoring.logitScale).toBeCloseTo(readReference("tiny-clip").scoring.logitScale, 3);
      await model.embedImages([`${MODELS_DIR}images/shapes.png`]);
      expect(opened).toEqual([`${dir}/onnx/vision_model.onnx`]);
      await model.embedTexts(["a cat"]);
      expect(opened).toEqual([`${dir}/onnx/vision_model.onnx`, `${dir}/onnx/text_model.onnx`]);
      expect(wholeReads.filter((p) => p.includes(".onnx"))).toEqual([]);
    } finally {
      await model.release();
    }
  });

  it("the first image call warms the preparer and creates the vision session beside its first batch", async () => {
    const files = nodeFiles(dir);
    const events: string[] = [];
    const inner = nodeBackend();
    const backend: Backend = {
      ...inner,
      createSessionFromPath: (path, options) => {
        events.push(`create ${path.slice(path.lastIndexOf("/") + 1)}`);
        return inner.createSessionFromPath!(path, options);
      },
    };
    const plain = await imagePreparer(files);
    const prepareImages = Object.assign(
      (inputs: Parameters<typeof plain>[0], signal?: AbortSignal) => {
        events.push(`prepare ${inputs.length}`);
        return plain(inputs, signal);
      },
      { warm: () => events.push("warm") },
    );
    const tokenizer = await loadTokenizer(files);
    const model = await createClipModel({ backend, files, tokenizer, prepareImages });
    const reference = await createClipModel({ backend: inner, files, tokenizer, prepareImages: plain });
    const image = `${MODELS_DIR}images/shapes.png`;
    try {
      const first = await model.embedImages([image, image], { batchSize: 1 });
      // Queued before the session is created (on a later turn of the event loop).
      expect(events).toEqual(["warm", "create vision_model.onnx", "prepare 1", "prepare 1"]);
      await model.embedImages([image]);
      expect(events.slice(4)).toEqual(["prepare 1"]);
      expect(first.data).toEqual((await reference.embedImages([image, image], { batchSize: 1 })).data);
      expect(model.space).toEqual(reference.space);
    } finally {
      await Promise.all([model.release(), reference.release()]);
    }
  });

  it("a vision graph that cannot be created fails the first image call once, with its error", async () => {
    const files = nodeFiles(dir);
    let creates = 0;
    const backend: Backend = {
      ...nodeBackend(),
      createSessionFromPath: async () => {
        creates++;
        throw new Error("no session today");
      },
    };
    const model = await createModel(backend, files);
    await expect(model.embedImages([`${MODELS_DIR}images/shapes.png`])).rejects.toThrow("no session today");
    expect(creates).toBe(1);
    await model.release();
  });

  it("files without ranged reads are read once, opened at load, and give the same space id", async () => {
    // The same folder as a reader without ranged reads or paths (what an HTTP folder offers).
    const { size: _size, readRange: _range, localPath: _path, ...whole } = nodeFiles(dir);
    const { backend, opened } = counting();
    const fromBytes = await createClipModel({
      backend,
      files: whole,
      tokenizer: await loadTokenizer(nodeFiles(dir)),
    });
    const fromDisk = await createClipModel({
      backend: nodeBackend(),
      files: nodeFiles(dir),
      tokenizer: fromBytes.tokenizer,
    });
    try {
      expect(opened).toHaveLength(2);
      expect(fromBytes.space).toEqual(fromDisk.space);
      expect(fromBytes.scoring).toEqual(fromDisk.scoring);
    } finally {
      await Promise.all([fromBytes.release(), fromDisk.release()]);
    }
  });
});
