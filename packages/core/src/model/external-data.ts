import { ClipkitError } from "../errors.js";

/**
 * Where an ONNX graph keeps its weights outside the `.onnx` file. onnxruntime finds them through
 * the `location` recorded in each initializer's `external_data` (relative to the graph's folder),
 * not by a naming convention: current `torch.onnx` writes `model.onnx.data`, transformers.js
 * exports `model.onnx_data`, hand-made exports anything (`weights/vision.bin`). clipkit reads the
 * same records so every such layout loads, in Node and in the browser alike.
 *
 * Field numbers follow onnx.proto (ModelProto.graph = 7, GraphProto.node = 1 / initializer = 5 /
 * sparse_initializer = 15, NodeProto.attribute = 5, AttributeProto.t = 5 / g = 6 / tensors = 10 /
 * graphs = 11 / sparse_tensor = 22 / sparse_tensors = 23, TensorProto.external_data = 13,
 * StringStringEntryProto.key = 1 / value = 2). Only length-delimited fields are descended into;
 * weight blobs are skipped without being read, so a 350 MB graph costs a few milliseconds.
 */

const GRAPH_IN_MODEL = 7;
const NODE_IN_GRAPH = 1;
const INITIALIZER_IN_GRAPH = 5;
const SPARSE_INITIALIZER_IN_GRAPH = 15;
const ATTRIBUTE_IN_NODE = 5;
const EXTERNAL_DATA_IN_TENSOR = 13;

interface Field {
  readonly number: number;
  readonly wire: number;
  /** For length-delimited fields: the payload bounds. */
  readonly start: number;
  readonly end: number;
}

function bad(label: string, why: string): ClipkitError {
  return new ClipkitError("MODEL_LAYOUT_UNSUPPORTED", `${label}: not a readable ONNX graph (${why})`, {
    details: { file: label },
  });
}

function varint(bytes: Uint8Array, at: number, label: string): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw bad(label, `truncated varint at byte ${at}`);
}

/** Iterates the fields of one protobuf message occupying `bytes[start, end)`. */
function* fields(bytes: Uint8Array, start: number, end: number, label: string): Generator<Field> {
  let at = start;
  while (at < end) {
    const [key, afterKey] = varint(bytes, at, label);
    const number = Math.floor(key / 8);
    const wire = key % 8;
    let next: number;
    let payload = afterKey;
    if (wire === 0) next = varint(bytes, afterKey, label)[1];
    else if (wire === 1) next = afterKey + 8;
    else if (wire === 5) next = afterKey + 4;
    else if (wire === 2) {
      const [length, afterLength] = varint(bytes, afterKey, label);
      payload = afterLength;
      next = afterLength + length;
    } else throw bad(label, `unsupported wire type ${wire} at byte ${at}`);
    if (next > end) throw bad(label, `field ${number} runs past its message at byte ${at}`);
    yield { number, wire, start: payload, end: next };
    at = next;
  }
}

const text = new TextDecoder("utf-8", { fatal: false });

function tensorLocation(bytes: Uint8Array, f: Field, label: string): string | undefined {
  for (const entry of fields(bytes, f.start, f.end, label)) {
    if (entry.number !== EXTERNAL_DATA_IN_TENSOR || entry.wire !== 2) continue;
    let key: string | undefined;
    let value: string | undefined;
    for (const kv of fields(bytes, entry.start, entry.end, label)) {
      if (kv.wire !== 2) continue;
      if (kv.number === 1) key = text.decode(bytes.subarray(kv.start, kv.end));
      if (kv.number === 2) value = text.decode(bytes.subarray(kv.start, kv.end));
    }
    if (key === "location" && value !== undefined) return value;
  }
  return undefined;
}

function collectGraph(bytes: Uint8Array, g: Field, label: string, out: Set<string>, depth: number): void {
  if (depth > 64) throw bad(label, "subgraphs nested deeper than 64 levels");
  for (const f of fields(bytes, g.start, g.end, label)) {
    if (f.wire !== 2) continue;
    if (f.number === INITIALIZER_IN_GRAPH) addTensor(bytes, f, label, out);
    else if (f.number === SPARSE_INITIALIZER_IN_GRAPH) {
      // SparseTensorProto: values = 1, indices = 2, both TensorProto.
      for (const part of fields(bytes, f.start, f.end, label)) {
        if (part.wire === 2 && (part.number === 1 || part.number === 2)) addTensor(bytes, part, label, out);
      }
    } else if (f.number === NODE_IN_GRAPH) {
      for (const a of fields(bytes, f.start, f.end, label)) {
        if (a.number === ATTRIBUTE_IN_NODE && a.wire === 2) collectAttribute(bytes, a, label, out, depth);
      }
    }
  }
}

function collectAttribute(bytes: Uint8Array, a: Field, label: string, out: Set<string>, depth: number): void {
  for (const f of fields(bytes, a.start, a.end, label)) {
    if (f.wire !== 2) continue;
    if (f.number === 5 || f.number === 10) addTensor(bytes, f, label, out);
    else if (f.number === 6 || f.number === 11) collectGraph(bytes, f, label, out, depth + 1);
    else if (f.number === 22 || f.number === 23) {
      for (const part of fields(bytes, f.start, f.end, label)) {
        if (part.wire === 2 && (part.number === 1 || part.number === 2)) addTensor(bytes, part, label, out);
      }
    }
  }
}

function addTensor(bytes: Uint8Array, f: Field, label: string, out: Set<string>): void {
  const location = tensorLocation(bytes, f, label);
  if (location !== undefined) out.add(checkExternalLocation(location, label));
}

/**
 * Refuses locations that would read outside the model's folder: absolute paths (`/x`, `C:\x`,
 * `\\host\x`), any `..` segment, empty names. Backslashes are read as separators, as onnxruntime
 * does on Windows. Returns the location with `/` separators and no `./` segments.
 */
export function checkExternalLocation(location: string, label: string): string {
  const parts = location.replaceAll("\\", "/").split("/");
  const absolute = location.startsWith("/") || location.startsWith("\\") || /^[A-Za-z]:/.test(location);
  const kept = parts.filter((p) => p !== "" && p !== ".");
  if (absolute || kept.length === 0 || kept.some((p) => p === "..") || location.includes("\0")) {
    throw new ClipkitError(
      "MODEL_LAYOUT_UNSUPPORTED",
      `${label}: external data location ${JSON.stringify(location)} is not a relative path inside the model folder`,
      { details: { file: label, location } },
    );
  }
  return kept.join("/");
}

/**
 * Lists the external-data files an ONNX graph references, in first-use order, each a relative
 * path (with `/`) from the folder holding the graph. Throws `MODEL_LAYOUT_UNSUPPORTED` when the
 * bytes are not an ONNX model or a location escapes the folder.
 */
export function externalDataLocations(model: Uint8Array, label = "model.onnx"): string[] {
  const out = new Set<string>();
  for (const f of fields(model, 0, model.length, label)) {
    if (f.number === GRAPH_IN_MODEL && f.wire === 2) collectGraph(model, f, label, out, 0);
  }
  return [...out];
}

const OP_TYPE_IN_NODE = 4;

function collectOpTypes(bytes: Uint8Array, g: Field, label: string, out: Set<string>, depth: number): void {
  if (depth > 64) throw bad(label, "subgraphs nested deeper than 64 levels");
  for (const node of fields(bytes, g.start, g.end, label)) {
    if (node.number !== NODE_IN_GRAPH || node.wire !== 2) continue;
    for (const f of fields(bytes, node.start, node.end, label)) {
      if (f.wire !== 2) continue;
      if (f.number === OP_TYPE_IN_NODE) out.add(text.decode(bytes.subarray(f.start, f.end)));
      else if (f.number === ATTRIBUTE_IN_NODE) {
        for (const a of fields(bytes, f.start, f.end, label)) {
          if (a.wire === 2 && (a.number === 6 || a.number === 11))
            collectOpTypes(bytes, a, label, out, depth + 1);
        }
      }
    }
  }
}

/** The operator types a graph uses (subgraphs included), e.g. to detect dynamic quantization. */
export function graphOpTypes(model: Uint8Array, label = "model.onnx"): Set<string> {
  const out = new Set<string>();
  for (const f of fields(model, 0, model.length, label)) {
    if (f.number === GRAPH_IN_MODEL && f.wire === 2) collectOpTypes(model, f, label, out, 0);
  }
  return out;
}

/**
 * True for graphs made by onnxruntime's dynamic quantization (`quantize_dynamic`, what the
 * transformers.js `_quantized` exports are): `DynamicQuantizeLinear` picks one activation scale
 * per *run*, so a row's embedding depends on which other rows share its batch (cosine 0.9993 for
 * one text alone vs in a batch). clipkit runs such graphs one input at a time.
 */
export function isDynamicallyQuantized(model: Uint8Array, label = "model.onnx"): boolean {
  const ops = graphOpTypes(model, label);
  return ops.has("DynamicQuantizeLinear") || ops.has("DynamicQuantizeMatMul");
}

/** An ONNX graph and the external-data files its initializers reference, read from a model folder. */
export interface GraphBytes {
  readonly model: Uint8Array;
  /** Keyed by the location exactly as the graph records it (what the runtimes match on). */
  readonly externalData: ReadonlyArray<{ path: string; data: Uint8Array }>;
}

/**
 * Reads `path` and every external-data file its initializers name (relative to the graph's own
 * folder, sub-folders included). Throws `MODEL_FILE_MISSING` naming the graph and the missing
 * file, and `MODEL_LAYOUT_UNSUPPORTED` for a location outside the model folder.
 */
export async function readGraph(
  files: {
    readonly location: string;
    read(path: string): Promise<Uint8Array>;
    exists(path: string): Promise<boolean>;
  },
  path: string,
): Promise<GraphBytes> {
  const model = await files.read(path);
  const label = `${files.location}/${path}`;
  const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const externalData = [];
  for (const location of externalDataLocations(model, label)) {
    const file = `${folder}${location}`;
    if (!(await files.exists(file))) {
      throw new ClipkitError(
        "MODEL_FILE_MISSING",
        `${label} keeps weights in ${location}, which is missing (looked for ${files.location}/${file})`,
        { details: { file: `${files.location}/${file}`, graph: label, location } },
      );
    }
    externalData.push({ path: location, data: await files.read(file) });
  }
  return { model, externalData };
}
