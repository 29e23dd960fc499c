// WebAssembly SIMD versions of the two resample passes (see resample.ts for the maths). Same
// integer arithmetic on four (horizontal) or sixteen (vertical) samples at a time: i32 multiply-adds of uint8 samples by the 22-bit
// fixed-point weights, `>> 22`, then saturating narrows i32 → i16 → u8, which is exactly
// Pillow's clamp to 0–255. The module is 645 bytes, assembled below so every instruction is
// readable; where WebAssembly SIMD is missing, callers fall back to the plain TypeScript passes.

/** ULEB128 / SLEB128 encodings used by the WebAssembly binary format. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

// Instruction helpers (opcodes from the WebAssembly core + SIMD specs).
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const ADD = 0x6a;
const MUL = 0x6c;
const GE_S = 0x4e;
const load = (offset = 0) => [0x28, 2, ...uleb(offset)]; // i32.load align=4
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const V_LOAD32_ZERO = simd(0x5c, 0, 0); // v128.load32_zero align=1 offset=0
const V_STORE32_LANE0 = simd(0x5a, 0, 0, 0); // v128.store32_lane align=1 offset=0 lane=0
const SPLAT = simd(0x11); // i32x4.splat
const WIDEN = [...simd(0x89), ...simd(0xa9)]; // u8 → u16 → u32 (extend_low, unsigned)
const VADD = simd(0xae); // i32x4.add
const VMUL = simd(0xb5); // i32x4.mul
const SHR_S = simd(0xac); // i32x4.shr_s
const block = (...body: number[][]) => [0x02, 0x40, ...body.flat(), 0x0b];
const loop = (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0b];
/** `while (a < b) { body }`, with `a`, `b` locals: block { loop { br_if exit (a >= b); body; br loop } }. */
const whileLt = (a: number, b: number, ...body: number[][]) =>
  block(loop([...get(a), ...get(b), GE_S, 0x0d, 1], ...body, [0x0c, 0]));
const inc = (local: number, by: number[]) => [...get(local), ...by, ADD, ...set(local)];

/**
 * `acc = Σ widen(load32(p)) · splat(*w)` over `n` taps (`p += step`, `w += 4`), then the four
 * clamped bytes `(acc >> 22)` stored at `o`. `t` is the tap counter, `acc` a v128 local.
 */
function dot(p: number, w: number, n: number, step: number[], o: number, t: number, acc: number): number[] {
  return [
    ...i32(1 << 21),
    ...SPLAT,
    ...set(acc),
    ...i32(0),
    ...set(t),
    ...whileLt(
      t,
      n,
      [
        ...get(acc),
        ...get(p),
        ...V_LOAD32_ZERO,
        ...WIDEN,
        ...get(w),
        ...load(),
        ...SPLAT,
        ...VMUL,
        ...VADD,
        ...set(acc),
      ],
      inc(p, step),
      inc(w, i32(4)),
      inc(t, i32(1)),
    ),
    ...get(o),
    ...[...get(acc), ...i32(22), ...SHR_S],
    ...[...get(acc), ...simd(0x85)], // i16x8.narrow_i32x4_s (the second operand's lanes are unused)
    ...[...get(acc), ...simd(0x66)], // i8x16.narrow_i16x8_u
    ...V_STORE32_LANE0,
  ];
}

const SUB = 0x6b;

/**
 * hpass(src, rowStride, rows, outW, bounds, weights, ksizeBytes, c, out): the horizontal pass for
 * `c` = 3 or 4 interleaved channels (each tap loads 4 bytes; with 3 channels the 4th lane is the
 * next pixel's and is overwritten by the next store, so buffers carry 4 bytes of slack).
 */
function hpass(): number[] {
  const [src, rowStride, rows, outW, bounds, weights, ksize4, c, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [y, xx, p, w, n, o, t, rowIn, acc] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const entry = [...get(bounds), ...get(xx), ...i32(8), MUL, ADD];
  return [
    ...[2, 8, 0x7f, 1, 0x7b], // locals: 8 × i32, 1 × v128
    ...get(out),
    ...set(o),
    ...i32(0),
    ...set(y),
    ...whileLt(
      y,
      rows,
      [...get(src), ...get(y), ...get(rowStride), MUL, ADD, ...set(rowIn)],
      [...i32(0), ...set(xx)],
      whileLt(
        xx,
        outW,
        [...get(rowIn), ...entry, ...load(0), ...get(c), MUL, ADD, ...set(p)],
        [...entry, ...load(4), ...set(n)],
        [...get(weights), ...get(xx), ...get(ksize4), MUL, ADD, ...set(w)],
        dot(p, w, n, get(c), o, t, acc),
        inc(o, get(c)),
        inc(xx, i32(1)),
      ),
      inc(y, i32(1)),
    ),
    0x0b,
  ];
}

/**
 * vpass(src, stride, outH, bounds, weights, ksizeBytes, yShift, out): the vertical pass, sixteen
 * bytes of a row per step in four i32x4 accumulators (buffers carry 16 bytes of slack).
 */
function vpass(): number[] {
  const [src, stride, outH, bounds, weights, ksize4, yShift, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [yy, i, p, w, n, _spare, t, rowStart, wRow] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [a0, a1, a2, a3, v, k, lo, hi] = [17, 18, 19, 20, 21, 22, 23, 24];
  const acc = [a0, a1, a2, a3];
  const entry = [...get(bounds), ...get(yy), ...i32(8), MUL, ADD];
  const madd = (a: number, half: number, high: boolean) => [
    ...get(a),
    ...get(half),
    ...simd(high ? 0xaa : 0xa9), // i32x4.extend_{high,low}_i16x8_u
    ...get(k),
    ...VMUL,
    ...VADD,
    ...set(a),
  ];
  const shifted = (a: number) => [...get(a), ...i32(22), ...SHR_S];
  return [
    ...[2, 9, 0x7f, 8, 0x7b], // locals: 9 × i32, 8 × v128
    ...i32(0),
    ...set(yy),
    ...whileLt(
      yy,
      outH,
      [...get(src), ...entry, ...load(0), ...get(yShift), SUB, ...get(stride), MUL, ADD, ...set(rowStart)],
      [...entry, ...load(4), ...set(n)],
      [...get(weights), ...get(yy), ...get(ksize4), MUL, ADD, ...set(wRow)],
      [...i32(0), ...set(i)],
      whileLt(
        i,
        stride,
        [...get(rowStart), ...get(i), ADD, ...set(p)],
        [...get(wRow), ...set(w)],
        acc.flatMap((a) => [...i32(1 << 21), ...SPLAT, ...set(a)]),
        [...i32(0), ...set(t)],
        whileLt(
          t,
          n,
          [...get(p), ...simd(0x00, 0, 0), ...set(v)], // v128.load
          [...get(w), ...load(), ...SPLAT, ...set(k)],
          [...get(v), ...simd(0x89), ...set(lo)], // i16x8.extend_low_i8x16_u
          [...get(v), ...simd(0x8a), ...set(hi)], // i16x8.extend_high_i8x16_u
          madd(a0, lo, false),
          madd(a1, lo, true),
          madd(a2, hi, false),
          madd(a3, hi, true),
          inc(p, get(stride)),
          inc(w, i32(4)),
          inc(t, i32(1)),
        ),
        [...get(out), ...get(yy), ...get(stride), MUL, ADD, ...get(i), ADD],
        [...shifted(a0), ...shifted(a1), ...simd(0x85)], // i16x8.narrow_i32x4_s
        [...shifted(a2), ...shifted(a3), ...simd(0x85)],
        simd(0x66), // i8x16.narrow_i16x8_u: saturates to 0–255
        simd(0x0b, 0, 0), // v128.store
        inc(i, i32(16)),
      ),
      inc(yy, i32(1)),
    ),
    0x0b,
  ];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

function assemble(): Uint8Array<ArrayBuffer> {
  const params = (k: number) => [0x60, ...vec(Array.from({ length: k }, () => [0x7f])), 0];
  const bodies = [hpass(), vpass()].map((b) => [...uleb(b.length), ...b]);
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([params(9), params(8)])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 1]])), // imported memory, ≥ 1 page
    ...section(3, vec([[0], [1]])),
    ...section(
      7,
      vec([
        [...name("hpass"), 0x00, 0],
        [...name("vpass"), 0x00, 1],
      ]),
    ),
    ...section(10, vec(bodies)),
  ]);
}

/** The passes and the linear memory they work in. */
export interface SimdPasses {
  readonly memory: WebAssembly.Memory;
  hpass(...args: [number, number, number, number, number, number, number, number, number]): void;
  vpass(...args: [number, number, number, number, number, number, number, number]): void;
}

let compiled: WebAssembly.Module | null | undefined;
/** Scratch instance reused between resizes (allocating and faulting in fresh pages per call costs more than the filtering). */
let scratch: SimdPasses | undefined;
/** Larger requests get a one-off memory, so a single huge image does not pin its scratch for good. */
const KEEP_BYTES = 64 << 20;

/**
 * The SIMD passes over a linear memory of at least `bytes` bytes, or null where the runtime has
 * no WebAssembly SIMD. Up to 64 MiB of scratch memory is kept for reuse by later calls; the
 * memory is only valid until the next call (resizes are synchronous, so they never interleave).
 */
export function simdPasses(bytes: number): SimdPasses | null {
  if (compiled === undefined) {
    try {
      const code = assemble();
      compiled =
        typeof WebAssembly !== "undefined" && WebAssembly.validate(code)
          ? new WebAssembly.Module(code)
          : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  if (scratch && scratch.memory.buffer.byteLength >= bytes) return scratch;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  const passes: SimdPasses = { memory, ...(exports as unknown as Omit<SimdPasses, "memory">) };
  if (bytes <= KEEP_BYTES) scratch = passes;
  return passes;
}

/** The raw module bytes, for tests. */
export const simdModuleBytes = (): Uint8Array<ArrayBuffer> => assemble();
