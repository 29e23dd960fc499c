/**
 * Test helpers: a table-driven {@link LogitsModel} whose next-token logits depend on the step and
 * the previous token, so decoding strategies can be checked against brute force.
 */
import type { LogitsModel } from "./types.js";

/** `table[step][prev][v]`; `prev` of the first step is the last prompt id. */
export function tableModel(
  table: readonly (readonly (readonly number[])[])[],
  prompts: readonly (readonly number[])[],
): LogitsModel & {
  calls: number;
} {
  let rows = prompts.map((p) => [...p]);
  let step = 0;
  const model = {
    calls: 0,
    async next(tokens: readonly number[] | null) {
      model.calls++;
      if (tokens) rows = rows.map((r, i) => [...r, tokens[i]!]);
      const vocab = table[0]![0]!.length;
      const logits = new Float32Array(rows.length * vocab);
      rows.forEach((r, i) => {
        const prev = r[r.length - 1]!;
        logits.set(table[Math.min(step, table.length - 1)]![prev % table[0]!.length]!, i * vocab);
      });
      step++;
      return { logits, vocabSize: vocab };
    },
    reorder(indices: readonly number[]) {
      rows = indices.map((i) => [...rows[i]!]);
    },
  };
  return model;
}
