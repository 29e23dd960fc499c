import type { ValueInfo } from "../backend/session.js";
import { ClipkitError } from "../errors.js";
import { checkExternalLocation } from "./external-data.js";

/**
 * Reads what clipkit needs from an ONNX graph *without reading its weights*: the declared inputs
 * and outputs, the operator types, the external-data locations, and the scalar constants in front
 * of a combined graph's logits. Works on ranged reads ({@link RangeSource}), so a 350 MB graph
 * with embedded weights costs a few hundred small reads: weight blobs are skipped by their length
 * prefix. Field numbers follow onnx.proto (ModelProto.graph = 7; GraphProto.node = 1,
 * initializer = 5, input = 11, output = 12; NodeProto.input = 1, output = 2, op_type = 4,
 * attribute = 5; AttributeProto.name = 1, t = 5, g = 6, graphs = 11; TensorProto.dims = 1,
 * data_type = 2, float_data = 4, name = 8, raw_data = 9, external_data = 13; ValueInfoProto.name
 * = 1, type = 2; TypeProto.tensor_type = 1; Tensor.elem_type = 1, shape = 2; Shape.dim = 1;
 * Dimension.dim_value = 1, dim_param = 2).
 */

/** Random access to one file's bytes. */
export interface RangeSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A {@link RangeSource} over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): RangeSource {
  return { size: bytes.length, read: async (o, l) => bytes.subarray(o, Math.min(bytes.length, o + l)) };
}

/** One graph node, as far as the logit-constant search needs it. */
interface NodeInfo {
  readonly op: string;
  readonly inputs: string[];
  readonly outputs: string[];
  /** A `Constant` node's value when it is one float. */
  readonly scalar?: number;
}

/** What {@link scanGraph} found. */
export interface GraphScan {
  /** Graph inputs that are not initializers (what a runtime asks to be fed). */
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly opTypes: Set<string>;
  /** External-data locations, checked to stay inside the graph's folder, in first-use order. */
  readonly externalData: string[];
  readonly nodes: NodeInfo[];
  /** Initializers holding one float or float16 (biases and scales of one element), by name. */
  readonly scalars: Map<string, number>;
}

const ELEM_TYPES: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
};

function bad(label: string, why: string): ClipkitError {
  return new ClipkitError("MODEL_LAYOUT_UNSUPPORTED", `${label}: not a readable ONNX graph (${why})`, {
    details: { file: label },
  });
}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** Varint value (wire 0) or payload bounds (wire 2, absolute offsets). */
  readonly value: number;
  readonly start: number;
  readonly end: number;
}

/** Small reads through a cached window, so consecutive headers cost one read. */
class Window {
  #at = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  constructor(
    readonly source: RangeSource,
    readonly label: string,
  ) {}

  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.#at && offset + length <= this.#at + this.#bytes.length) {
      return this.#bytes.subarray(offset - this.#at, offset - this.#at + length);
    }
    if (length > WINDOW) return this.source.read(offset, length);
    this.#bytes = await this.source.read(offset, Math.min(WINDOW, this.source.size - offset));
    this.#at = offset;
    return this.#bytes.subarray(0, length);
  }
}

const WINDOW = 64 * 1024;

function varint(bytes: Uint8Array, at: number, label: string, base: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw bad(label, `truncated varint at byte ${base + at}`);
}

function field(head: Uint8Array, at: number, base: number, end: number, label: string): Field {
  const [key, k] = varint(head, at, label, base);
  const number = Math.floor(key / 8);
  const wire = key % 8;
  let value = 0;
  let payload = k;
  let next: number;
  if (wire === 0) [value, next] = varint(head, k, label, base);
  else if (wire === 1) next = payload + 8;
  else if (wire === 5) next = payload + 4;
  else if (wire === 2) {
    const [length, n] = varint(head, k, label, base);
    payload = n;
    next = payload + length;
  } else throw bad(label, `unsupported wire type ${wire} at byte ${base + at}`);
  if (base + next > end) throw bad(label, `field ${number} runs past its message at byte ${base + at}`);
  return { number, wire, value, start: base + payload, end: base + next };
}

/** Fields of the message at `[start, end)`, reading only their headers (for messages holding weights). */
async function* fields(w: Window, start: number, end: number): AsyncGenerator<Field> {
  for (let at = start; at < end; ) {
    const head = await w.get(at, Math.min(22, end - at));
    const f = field(head, 0, at, end, w.label);
    yield f;
    at = f.end;
  }
}

/**
 * A small message read whole: fields with offsets relative to `bytes` (nodes, value infos and
 * small tensors are parsed synchronously, which is what keeps a 2,000-node scan in milliseconds).
 */
function* local(bytes: Uint8Array, start: number, end: number, label: string): Generator<Field> {
  for (let at = start; at < end; ) {
    const f = field(bytes, at, 0, end, label);
    yield f;
    at = f.end;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const str = (b: Uint8Array, f: Field): string => utf8.decode(b.subarray(f.start, f.end));
const SMALL = 64 * 1024;

/** TensorProto fields: name, one inline FLOAT value, external location. */
interface TensorHead {
  name: string;
  value?: number;
  location?: string;
}

interface TensorState {
  type: number;
  elements: number;
  /** float16 bits of a one-element FLOAT16 tensor. */
  half?: number;
  head: TensorHead;
}

/** IEEE half → number. */
function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function tensorField(b: Uint8Array, f: Field, t: TensorState, label: string): void {
  if (f.number === 1) {
    if (f.wire === 0) t.elements *= f.value;
    else if (f.wire === 2) {
      for (let at = f.start; at < f.end; ) {
        const [d, n] = varint(b, at, label, 0);
        t.elements *= d;
        at = n;
      }
    }
  } else if (f.number === 2 && f.wire === 0) t.type = f.value;
  else if (f.number === 8 && f.wire === 2) t.head.name = str(b, f);
  else if ((f.number === 9 || f.number === 4) && f.wire === 2 && f.end - f.start === 4) {
    t.head.value = new DataView(b.buffer, b.byteOffset + f.start, 4).getFloat32(0, true);
  } else if (f.number === 9 && f.wire === 2 && f.end - f.start === 2) {
    t.half = b[f.start]! | (b[f.start + 1]! << 8);
  } else if (f.number === 5 && f.wire === 0) {
    t.half = f.value; // int32_data carries float16 bits
  } else if (f.number === 5 && f.wire === 2 && f.end - f.start <= 3) {
    t.half = varint(b, f.start, label, 0)[0];
  } else if (f.number === 4 && f.wire === 5) {
    t.head.value = new DataView(b.buffer, b.byteOffset + f.start, 4).getFloat32(0, true);
  } else if (f.number === 13 && f.wire === 2) {
    let key = "";
    let value = "";
    for (const kv of local(b, f.start, f.end, label)) {
      if (kv.number === 1 && kv.wire === 2) key = str(b, kv);
      else if (kv.number === 2 && kv.wire === 2) value = str(b, kv);
    }
    if (key === "location") t.head.location = value;
  }
}

function finishTensor(t: TensorState): TensorHead {
  const { name, location } = t.head;
  const value = t.type === 10 && t.half !== undefined ? halfToNumber(t.half) : t.head.value;
  const scalar =
    (t.type === 1 || t.type === 10) && t.elements === 1 && value !== undefined && location === undefined;
  return { name, ...(scalar ? { value } : {}), ...(location !== undefined ? { location } : {}) };
}

function tensorSync(b: Uint8Array, start: number, end: number, label: string): TensorHead {
  const t: TensorState = { type: 0, elements: 1, head: { name: "" } };
  for (const f of local(b, start, end, label)) tensorField(b, f, t, label);
  return finishTensor(t);
}

/** A tensor that may hold megabytes: headers read one by one, the weights skipped. */
async function tensor(w: Window, g: Field): Promise<TensorHead> {
  if (g.end - g.start <= SMALL)
    return tensorSync(await w.get(g.start, g.end - g.start), 0, g.end - g.start, w.label);
  const t: TensorState = { type: 0, elements: 1, head: { name: "" } };
  for await (const f of fields(w, g.start, g.end)) {
    if (f.number === 9 && f.end - f.start > 4) continue;
    const b = await w.get(f.start, f.end - f.start);
    tensorField(b, { ...f, start: 0, end: f.end - f.start }, t, w.label);
  }
  return finishTensor(t);
}

function valueInfo(b: Uint8Array, label: string): ValueInfo {
  let name = "";
  let type: string | undefined;
  let dims: (number | string)[] | undefined;
  for (const f of local(b, 0, b.length, label)) {
    if (f.number === 1 && f.wire === 2) name = str(b, f);
    if (f.number !== 2 || f.wire !== 2) continue;
    for (const tt of local(b, f.start, f.end, label)) {
      if (tt.number !== 1 || tt.wire !== 2) continue;
      for (const t of local(b, tt.start, tt.end, label)) {
        if (t.number === 1 && t.wire === 0) type = ELEM_TYPES[t.value] ?? `onnx:${t.value}`;
        if (t.number !== 2 || t.wire !== 2) continue;
        dims = [];
        for (const d of local(b, t.start, t.end, label)) {
          if (d.number !== 1 || d.wire !== 2) continue;
          let dim: number | string = -1;
          for (const x of local(b, d.start, d.end, label)) {
            if (x.number === 1 && x.wire === 0) dim = x.value;
            else if (x.number === 2 && x.wire === 2) dim = str(b, x);
          }
          dims.push(dim);
        }
      }
    }
  }
  return { name, ...(type ? { type } : {}), ...(dims ? { dims } : {}) };
}

interface Collect {
  readonly ops: Set<string>;
  readonly locations: Set<string>;
  readonly nodes: NodeInfo[];
  readonly scalars: Map<string, number>;
  readonly initializers: Set<string>;
}

function addLocation(out: Collect, location: string | undefined, label: string): void {
  if (location !== undefined && location !== "") out.locations.add(checkExternalLocation(location, label));
}

/** A node read whole (subgraphs in its attributes included). */
function node(b: Uint8Array, start: number, end: number, out: Collect, depth: number, label: string): void {
  if (depth > 64) throw bad(label, "subgraphs nested deeper than 64 levels");
  let op = "";
  const inputs: string[] = [];
  const outputs: string[] = [];
  let scalar: number | undefined;
  for (const f of local(b, start, end, label)) {
    if (f.wire !== 2) continue;
    if (f.number === 1) inputs.push(str(b, f));
    else if (f.number === 2) outputs.push(str(b, f));
    else if (f.number === 4) op = str(b, f);
    else if (f.number === 5) {
      for (const a of local(b, f.start, f.end, label)) {
        if (a.wire !== 2) continue;
        if (a.number === 5) {
          const t = tensorSync(b, a.start, a.end, label);
          addLocation(out, t.location, label);
          if (t.value !== undefined) scalar = t.value;
        } else if (a.number === 6 || a.number === 11) subgraph(b, a, out, depth + 1, label);
      }
    }
  }
  out.ops.add(op);
  if (depth === 0) {
    out.nodes.push({ op, inputs, outputs, ...(op === "Constant" && scalar !== undefined ? { scalar } : {}) });
  }
}

/** Subgraphs (If/Loop/Scan bodies): their operators and external data, nothing else. */
function subgraph(b: Uint8Array, g: Field, out: Collect, depth: number, label: string): void {
  for (const f of local(b, g.start, g.end, label)) {
    if (f.wire !== 2) continue;
    if (f.number === 1) node(b, f.start, f.end, out, depth, label);
    else if (f.number === 5 || f.number === 15)
      addLocation(out, tensorSync(b, f.start, f.end, label).location, label);
  }
}

async function graph(w: Window, g: Field, out: Collect): Promise<Uint8Array[][]> {
  const io: Uint8Array[][] = [[], []];
  const whole = async (f: Field) => w.get(f.start, f.end - f.start);
  for await (const f of fields(w, g.start, g.end)) {
    if (f.wire !== 2) continue;
    if (f.number === 1) {
      const b = await whole(f);
      node(b, 0, b.length, out, 0, w.label);
    } else if (f.number === 5 || f.number === 15) {
      const t = await tensor(w, f);
      addLocation(out, t.location, w.label);
      out.initializers.add(t.name);
      if (t.value !== undefined) out.scalars.set(t.name, t.value);
    } else if (f.number === 11) io[0]!.push((await whole(f)).slice());
    else if (f.number === 12) io[1]!.push((await whole(f)).slice());
  }
  return io;
}

/**
 * Scans an ONNX model through ranged reads. Throws `MODEL_LAYOUT_UNSUPPORTED` naming `label` for
 * bytes that are not an ONNX model (no graph, truncated fields) or an external-data location
 * outside the graph's folder.
 */
export async function scanGraph(source: RangeSource, label: string): Promise<GraphScan> {
  const w = new Window(source, label);
  const out: Collect = {
    ops: new Set(),
    locations: new Set(),
    nodes: [],
    scalars: new Map(),
    initializers: new Set(),
  };
  let io: Uint8Array[][] | undefined;
  for await (const f of fields(w, 0, source.size)) {
    if (f.number === 7 && f.wire === 2) io = await graph(w, f, out);
  }
  if (!io) throw bad(label, "it has no graph");
  const inputs = io[0]!.map((b) => valueInfo(b, label)).filter((i) => !out.initializers.has(i.name));
  const outputs = io[1]!.map((b) => valueInfo(b, label));
  return {
    inputs,
    outputs,
    opTypes: out.ops,
    externalData: [...out.locations],
    nodes: out.nodes,
    scalars: out.scalars,
  };
}

/**
 * The constants a combined graph applies to its cosines, read from its structure: from the
 * `logits_per_image` output back through `Transpose`/`Identity`/`Cast`, an optional `Add` of one
 * float (SigLIP's bias), then a `Mul` by one float: `exp(logit_scale)` folded by the exporter, or
 * `Exp` (and `Cast`) of the `logit_scale` initializer. `undefined` when the graph is built some other way (callers then run
 * the graph to fit the constants, see `scoringFromGraph`).
 */
export function logitConstants(scan: GraphScan): { scale: number; bias?: number } | undefined {
  const producer = new Map<string, NodeInfo>();
  for (const n of scan.nodes) for (const o of n.outputs) producer.set(o, n);
  // One float, through the casts and the exponential exporters leave around `logit_scale`.
  const constant = (name: string, depth = 0): number | undefined => {
    const direct = scan.scalars.get(name);
    if (direct !== undefined) return direct;
    const n = producer.get(name);
    if (!n || depth > 4) return undefined;
    if (n.op === "Constant") return n.scalar;
    const inner = n.inputs[0] === undefined ? undefined : constant(n.inputs[0], depth + 1);
    if (inner === undefined || n.inputs.length !== 1) return undefined;
    if (n.op === "Cast" || n.op === "Identity") return inner;
    return n.op === "Exp" ? Math.exp(inner) : undefined;
  };
  const split = (n: NodeInfo): [number, string] | undefined => {
    if (n.inputs.length !== 2) return undefined;
    const [a, b] = n.inputs as [string, string];
    const ca = constant(a);
    if (ca !== undefined) return [ca, b];
    const cb = constant(b);
    return cb === undefined ? undefined : [cb, a];
  };
  let name = "logits_per_image";
  let bias: number | undefined;
  for (let step = 0; step < 8; step++) {
    const n = producer.get(name);
    if (!n) return undefined;
    if (n.op === "Transpose" || n.op === "Identity" || n.op === "Cast") {
      name = n.inputs[0] ?? "";
      continue;
    }
    if (n.op === "Add" && bias === undefined) {
      const s = split(n);
      if (!s) return undefined;
      [bias, name] = s;
      continue;
    }
    if (n.op !== "Mul") return undefined;
    const c = split(n);
    return c ? { scale: c[0], ...(bias === undefined ? {} : { bias }) } : undefined;
  }
  return undefined;
}
