import { createEmbeddings, type EmbeddingSpace, type Embeddings } from "../embeddings.js";

/** Options of {@link syntheticEmbeddings}. */
export interface SyntheticOptions {
  count: number;
  dim: number;
  /** Dimension of the random subspace the points live near (default 16). */
  intrinsicDim?: number;
  /** Norm of the isotropic noise relative to the norm of the in-subspace signal (default 0.1). */
  noise?: number;
  /** Seed for the deterministic generator (default 1). */
  seed?: number;
  /** Space id to tag the result with (default `"synthetic"`). */
  spaceId?: string;
  /** Draw points from the same subspace as another call with the same seed but a different `pointSeed`. */
  pointSeed?: number;
}

/**
 * Unit vectors near a random low-dimensional subspace plus noise: the shape real CLIP embeddings
 * have (low intrinsic dimension), unlike uniform noise on the sphere where every neighbour is
 * nearly equidistant and ANN recall numbers mean little. Deterministic for a given seed, so tests
 * and benchmarks share data without fixtures. Queries for the same gallery: same `seed`, another
 * `pointSeed`.
 */
export function syntheticEmbeddings(options: SyntheticOptions): Embeddings {
  const { count, dim } = options;
  const r = Math.max(1, Math.min(options.intrinsicDim ?? 16, dim));
  const noise = options.noise ?? 0.1;
  const seed = options.seed ?? 1;
  const basisRng = gaussian(seed);
  const basis = new Float64Array(r * dim);
  for (let i = 0; i < basis.length; i++) basis[i] = basisRng() / Math.sqrt(dim);
  const rng = gaussian(seed * 7919 + (options.pointSeed ?? 0) * 104729 + 17);
  const data = new Float32Array(count * dim);
  const coef = new Float64Array(r);
  const row = new Float64Array(dim);
  // Basis rows have norm ≈ 1, so the signal has norm ≈ √r; this noise has norm ≈ noise · √r.
  const noiseSd = noise * Math.sqrt(r / dim);
  for (let p = 0; p < count; p++) {
    for (let c = 0; c < r; c++) coef[c] = rng();
    row.fill(0);
    for (let c = 0; c < r; c++) {
      const w = coef[c]!;
      for (let j = 0; j < dim; j++) row[j]! += w * basis[c * dim + j]!;
    }
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      row[j] = row[j]! + noiseSd * rng();
      ss += row[j]! * row[j]!;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dim; j++) data[p * dim + j] = row[j]! * inv;
  }
  const space: EmbeddingSpace = { id: options.spaceId ?? "synthetic", dim, normalized: true };
  return createEmbeddings(data, count, space);
}

/** Standard normal deviates from a seeded 32-bit generator (mulberry32 + Box–Muller). */
function gaussian(seed: number): () => number {
  let a = seed >>> 0 || 1;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = uniform() || 1e-12;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
