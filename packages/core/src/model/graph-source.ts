import type {
  Backend,
  InferenceSession,
  ModelFiles,
  SessionOptions,
  Tensor,
  ValueInfo,
} from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { bytesSource, type GraphScan, type RangeSource, scanGraph } from "./graph-scan.js";
import type { GraphFile } from "./resolve.js";

/**
 * One graph of a model folder, described but not yet loaded: its declared inputs and outputs (so
 * towers bind and validate names at load time) and a {@link LazySession} that creates the runtime
 * session on its first run. Graphs are opened by path when the files live on disk and the backend
 * can (`Backend.createSessionFromPath`): the runtime reads the weights itself and no copy of them
 * stays in JavaScript memory.
 */
export interface GraphSource {
  readonly label: string;
  readonly scan: GraphScan;
  /** The graph file and its external-data files, for the space fingerprint. */
  readonly files: readonly RangeSource[];
  /** Run one input per call (dynamically quantized graphs, see `isDynamicallyQuantized`). */
  readonly perInput: boolean;
  readonly session: LazySession;
}

async function rangeOf(files: ModelFiles, path: string): Promise<RangeSource> {
  if (files.size && files.readRange) {
    const read = files.readRange.bind(files);
    return { size: await files.size(path), read: (offset, length) => read(path, offset, length) };
  }
  return bytesSource(await files.read(path));
}

/** True when graphs can be scanned and fingerprinted without reading them whole. */
export function canReadRanges(files: ModelFiles): boolean {
  return files.size !== undefined && files.readRange !== undefined;
}

/**
 * Scans `graph` and checks its external-data files exist. Throws `MODEL_LAYOUT_UNSUPPORTED` for
 * bytes that are not ONNX and `MODEL_FILE_MISSING` naming the graph and the missing weights file.
 */
export async function describeGraph(
  backend: Backend,
  files: ModelFiles,
  graph: GraphFile,
  options: SessionOptions | undefined,
): Promise<GraphSource> {
  const label = `${files.location}/${graph.path}`;
  const main = await rangeOf(files, graph.path);
  const scan = await scanGraph(main, label);
  const folder = graph.path.includes("/") ? graph.path.slice(0, graph.path.lastIndexOf("/") + 1) : "";
  const external: RangeSource[] = [];
  for (const location of scan.externalData) {
    const file = `${folder}${location}`;
    if (!(await files.exists(file))) {
      throw new ClipkitError(
        "MODEL_FILE_MISSING",
        `${label} keeps weights in ${location}, which is missing (looked for ${files.location}/${file})`,
        { details: { file: `${files.location}/${file}`, graph: label, location } },
      );
    }
    external.push(await rangeOf(files, file));
  }
  const open = async (): Promise<InferenceSession> => {
    const base = { ...options, label };
    if (files.localPath && backend.createSessionFromPath) {
      return backend.createSessionFromPath(files.localPath(graph.path), base);
    }
    const model = await main.read(0, main.size);
    const externalData = await Promise.all(
      scan.externalData.map(async (path, i) => ({
        path,
        data: await external[i]!.read(0, external[i]!.size),
      })),
    );
    return backend.createSession(model, { ...base, ...(externalData.length > 0 ? { externalData } : {}) });
  };
  const ops = scan.opTypes;
  return {
    label,
    scan,
    files: [main, ...external],
    perInput: ops.has("DynamicQuantizeLinear") || ops.has("DynamicQuantizeMatMul"),
    session: new LazySession(scan.inputs, scan.outputs, open),
  };
}

/**
 * An {@link InferenceSession} that exists before its runtime session: inputs and outputs come from
 * the graph's declarations, the runtime session is created by the first {@link run} (or
 * {@link open}). A failed creation is not cached, so the next run tries again.
 */
export class LazySession implements InferenceSession {
  #opening: Promise<InferenceSession> | undefined;
  #released = false;
  #inputs: readonly ValueInfo[];
  #outputs: readonly ValueInfo[];
  /** Dropped once the session exists: it may hold the graph's bytes (files without ranged reads). */
  #create: (() => Promise<InferenceSession>) | undefined;

  constructor(
    inputs: readonly ValueInfo[],
    outputs: readonly ValueInfo[],
    create: () => Promise<InferenceSession>,
  ) {
    this.#inputs = inputs;
    this.#outputs = outputs;
    this.#create = create;
  }

  /** The graph's declared inputs; once open, the runtime's (which may have resolved symbolic dims). */
  get inputs(): readonly ValueInfo[] {
    return this.#inputs;
  }

  get outputs(): readonly ValueInfo[] {
    return this.#outputs;
  }

  /** Whether the runtime session was created (or is being created). */
  get opened(): boolean {
    return this.#opening !== undefined;
  }

  /** Creates the runtime session now (e.g. to pay the load before timing-sensitive work). */
  open(): Promise<InferenceSession> {
    if (this.#released) return Promise.reject(new ClipkitError("INFERENCE_FAILED", "session was released"));
    if (!this.#opening) {
      const opening = this.#create!();
      this.#opening = opening;
      opening.then(
        (session) => {
          this.#create = undefined;
          this.#inputs = session.inputs;
          this.#outputs = session.outputs;
        },
        () => {
          if (this.#opening === opening) this.#opening = undefined;
        },
      );
    }
    return this.#opening;
  }

  async run(
    feeds: Readonly<Record<string, Tensor>>,
    outputNames?: readonly string[],
    preallocated?: Readonly<Record<string, Tensor>>,
  ): Promise<Record<string, Tensor>> {
    return (await this.open()).run(feeds, outputNames, preallocated);
  }

  async release(): Promise<void> {
    this.#released = true;
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening) await (await opening.catch(() => undefined))?.release();
  }
}
