/**
 * The cache kernel exp(−β(1 − s)) for a whole β grid from one exp per (query, key): see
 * {@link betaPowers}. Shared by Tip-Adapter's search (`tip-query.ts`) and its tests.
 */

/** Squarings kept per key: h, h², h⁴ … h^(2^(POWER_BITS−1)); 2β up to 2^POWER_BITS − 1 = 1023. */
export const POWER_BITS = 10;

/**
 * exp(−β(1 − s)) = h^(2β) with h = exp((s − 1)/2). For every β with 2β a whole number below 2^10
 * (all of the default grid) the kernel is a product of repeated squares of h, so the whole β grid
 * costs one exp per (query, key) instead of one per β. Other β values use exp directly. `bits[b]`
 * lists the squares to multiply (undefined: use exp); `table` is how many squares to compute (0
 * when no β needs them).
 */
export function betaPowers(betas: readonly number[]): { bits: (number[] | undefined)[]; table: number } {
  let table = 0;
  const bits = betas.map((beta) => {
    const twice = 2 * beta;
    if (!Number.isInteger(twice) || twice < 1 || twice >= 2 ** POWER_BITS) return undefined;
    const list: number[] = [];
    for (let t = 0; t < POWER_BITS; t++) if (twice & (1 << t)) list.push(t);
    table = Math.max(table, list[list.length - 1]! + 1);
    return list;
  });
  return { bits, table };
}

/**
 * {@link betaPowers} as flat typed arrays: β `b` multiplies `h[flat[from[b] … to[b])]` (the
 * squares h^(2^t) of one key), or calls exp when `from[b]` is negative.
 */
export function flatPowers(betas: readonly number[]): {
  flat: Int32Array;
  from: Int32Array;
  to: Int32Array;
  table: number;
} {
  const { bits, table } = betaPowers(betas);
  const from = new Int32Array(betas.length).fill(-1);
  const to = new Int32Array(betas.length);
  const list: number[] = [];
  bits.forEach((b, bi) => {
    if (!b) return;
    from[bi] = list.length;
    list.push(...b);
    to[bi] = list.length;
  });
  return { flat: Int32Array.from(list), from, to, table };
}
