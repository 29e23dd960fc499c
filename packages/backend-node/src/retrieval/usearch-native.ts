import { createRequire } from "node:module";
import { ClipkitError } from "@clipkit/core";
import type * as Usearch from "usearch";

/** The usearch module, typed from its own declarations. */
export type UsearchModule = typeof Usearch;

let cached: UsearchModule | undefined;

/**
 * Loads usearch lazily through `require`: its ESM entry point cannot locate its prebuilt binary
 * (an unbounded directory walk in 2.26), the CommonJS one can. Lazy, so importing
 * `@clipkit/backend-node` never loads the native addon unless an ANN index is used.
 */
export function loadUsearch(): UsearchModule {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require("usearch") as UsearchModule;
    return cached;
  } catch (error) {
    throw new ClipkitError(
      "BACKEND_UNAVAILABLE",
      `usearch (native ANN library) could not be loaded: ${(error as Error).message}`,
      { cause: error, details: { package: "usearch" } },
    );
  }
}

/**
 * Native exact (brute-force) inner-product top-k over unit rows, using usearch's SIMD kernels on
 * all cores. Returns row indices and cosine scores per query.
 */
export function nativeExactSearch(
  items: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
  threads = 0,
): { rows: number[]; scores: number[] }[] {
  const u = loadUsearch();
  const ni = items.length / dim;
  const nq = queries.length / dim;
  const kk = Math.min(k, ni);
  if (kk === 0 || nq === 0) return Array.from({ length: nq }, () => ({ rows: [], scores: [] }));
  const matches = u.exactSearch(whole(items), whole(queries), dim, kk, u.MetricKind.IP, threads);
  const out: { rows: number[]; scores: number[] }[] = [];
  for (let q = 0; q < nq; q++) {
    const m = matches instanceof u.BatchMatches ? matches.get(q) : (matches as Usearch.Matches);
    // IP "distance" is 1 − dot.
    out.push({ rows: Array.from(m.keys, Number), scores: Array.from(m.distances, (d) => 1 - d) });
  }
  return out;
}

/** usearch reads a `subarray()` from the start of its buffer, ignoring its byte offset: copy views. */
function whole(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}
