import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tensor } from "../backend/tensor.js";
import { isClipkitError } from "../errors.js";
import { beamSearch } from "./beam-search.js";
import { generate } from "./generate.js";
import { lastLogits } from "./kv-cache.js";
import { parseGenerationDefaults, resolveGenerationOptions } from "./options.js";
import { badWords, minNewTokens, noRepeatNgram, repetitionPenalty } from "./processors.js";
import { createRng } from "./rng.js";
import { greedyOrSample } from "./search.js";
import { iterate, TextDeltas } from "./stream.js";
import { tableModel } from "./testing.js";
import { applyTopK, applyTopP, softmax } from "./warpers.js";

const logSoftmax = (row: readonly number[]) => {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
};

/** Best sequence by HF's beam objective, by enumeration: EOS-ended or max-length sequences. */
function bruteForce(table: number[][][], prompt: number, eos: number, maxNew: number, lp: number) {
  let best = { score: Number.NEGATIVE_INFINITY, tokens: [] as number[] };
  const walk = (prev: number, step: number, sum: number, tokens: number[]) => {
    const lps = logSoftmax(table[step]![prev]!);
    lps.forEach((l, v) => {
      const next = [...tokens, v];
      if (v === eos || step + 1 === maxNew) {
        const score = (sum + l) / next.length ** lp;
        if (score > best.score) best = { score, tokens: next };
      } else walk(v, step + 1, sum + l, next);
    });
  };
  walk(prompt, 0, 0, []);
  return best;
}

const logitsTable = (vocab: number, steps: number) =>
  fc.array(
    fc.array(
      fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), {
        minLength: vocab,
        maxLength: vocab,
      }),
      {
        minLength: vocab,
        maxLength: vocab,
      },
    ),
    { minLength: steps, maxLength: steps },
  );

describe("beam search", () => {
  it("with enough beams finds the brute-force optimum (property)", async () => {
    await fc.assert(
      fc.asyncProperty(logitsTable(3, 3), fc.constantFrom(0.5, 1, 2), async (table, lp) => {
        const o = resolveGenerationOptions({
          numBeams: 9,
          maxNewTokens: 3,
          lengthPenalty: lp,
          earlyStopping: "never",
          eosTokenId: 0,
        });
        const [[got]] = (await beamSearch(tableModel(table, [[1]]), [[1]], o)) as [
          [{ tokens: number[]; score: number }],
        ];
        const want = bruteForce(table, 1, 0, 3, lp);
        expect(got.score).toBeCloseTo(want.score, 4);
      }),
      { numRuns: 60 },
    );
  });
});

/** Best sequence when a stop string also ends a sequence (HF ≥ 4.50 beam semantics), by enumeration. */
function bruteForceStop(
  table: number[][][],
  eos: number,
  maxNew: number,
  lp: number,
  stop: (t: number[]) => boolean,
) {
  let best = Number.NEGATIVE_INFINITY;
  const walk = (prev: number, step: number, sum: number, tokens: number[]) => {
    logSoftmax(table[step]![prev]!).forEach((l, v) => {
      const next = [...tokens, v];
      if (v === eos || stop(next) || step + 1 === maxNew)
        best = Math.max(best, (sum + l) / next.length ** lp);
      else walk(v, step + 1, sum + l, next);
    });
  };
  walk(1, 0, 0, []);
  return best;
}

// A toy captioner: 0 = EOS, then words. Each row strongly prefers one next word.
const WORDS = ["", "a", " red", " circle", " on", " white"];
const wordsOf = (ids: readonly number[]) => ids.map((i) => WORDS[i]).join("");
const strong = (best: number, second: number) => WORDS.map((_, v) => (v === best ? 8 : v === second ? 4 : 0));
// prev → next: BOS(0)→a, a→red, red→circle, circle→on (EOS second), on→white, white→circle.
const CAPTION = [[strong(1, 2), strong(2, 5), strong(3, 5), strong(4, 0), strong(5, 2), strong(3, 0)]];

describe("stop strings in beam search", () => {
  const run = async (options: Parameters<typeof resolveGenerationOptions>[0]) => {
    const model = tableModel(CAPTION, [[0]]);
    const o = resolveGenerationOptions({ maxNewTokens: 12, eosTokenId: 0, ...options });
    const [out] = await generate(model, [[0]], o, { decode: wordsOf });
    return { out: out!, calls: model.calls };
  };

  it("ends a hypothesis at its stop string, like EOS, and stops the search early", async () => {
    const plain = await run({ numBeams: 2 });
    const stopped = await run({ numBeams: 2, stopStrings: [" on"] });
    // "a red circle on" has log-probability ≈ 0; every other hypothesis pays ≥ 4 somewhere.
    expect(stopped.out[0]!.tokens).toEqual([1, 2, 3, 4]);
    expect(stopped.calls).toBeLessThan(plain.calls);
    // Without the stop string the same beam runs on past " on".
    expect(plain.out[0]!.tokens.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it("matches a stop string spanning tokens and keeps the token that completes it", async () => {
    const { out } = await run({ numBeams: 3, numReturnSequences: 2, stopStrings: ["cle o"] });
    expect(out[0]!.tokens).toEqual([1, 2, 3, 4]);
    for (const s of out) {
      // A stop-string hypothesis is returned as generated: no EOS appended after it.
      if (wordsOf(s.tokens).includes("cle o")) expect(wordsOf(s.tokens.slice(0, -1))).not.toContain("cle o");
    }
  });

  it("leaves greedy decoding as it was", async () => {
    expect((await run({ stopStrings: [" on"] })).out[0]!.tokens).toEqual([1, 2, 3, 4]);
    expect((await run({})).out[0]!.tokens).toEqual([1, 2, 3, 4, 5, 3, 4, 5, 3, 4, 5, 3]);
  });

  it("with enough beams finds the brute-force optimum when stop strings end sequences (property)", async () => {
    const letters = ["", "a", "b"];
    const decode = (ids: readonly number[]) => ids.map((i) => letters[i]).join("");
    await fc.assert(
      fc.asyncProperty(
        logitsTable(3, 3),
        fc.constantFrom(0.5, 1, 2),
        fc.constantFrom("b", "ab", "aa"),
        async (table, lp, stop) => {
          const o = resolveGenerationOptions({
            numBeams: 9,
            maxNewTokens: 3,
            lengthPenalty: lp,
            earlyStopping: "never",
            eosTokenId: 0,
            stopStrings: [stop],
          });
          const [[got]] = (await beamSearch(tableModel(table, [[1]]), [[1]], o, { decode })) as [
            [{ tokens: number[]; score: number }],
          ];
          expect(got.score).toBeCloseTo(
            bruteForceStop(table, 0, 3, lp, (t) => decode(t).includes(stop)),
            4,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("greedy and sampling", () => {
  it("stops rows at EOS and pads them while others continue", async () => {
    // Vocab 3: row with prompt 1 goes 1→0 (EOS); prompt 2 goes 2→2→2...
    const table = [
      [
        [0, 0, 5],
        [5, 0, 0],
        [0, 0, 5],
      ],
    ];
    const o = resolveGenerationOptions({ maxNewTokens: 3, eosTokenId: 0 });
    const out = await greedyOrSample(tableModel(table, [[1], [2]]), [[1], [2]], o);
    expect(out.map((s) => s[0]!.tokens)).toEqual([[0], [2, 2, 2]]);
  });

  it("is reproducible for a seed and follows the distribution", async () => {
    const table = [[[0, Math.log(3), 0, 0]]];
    const run = (seed: number) =>
      greedyOrSample(
        tableModel(table, [[0]]),
        [[0]],
        resolveGenerationOptions({
          doSample: true,
          seed,
          maxNewTokens: 1,
          numReturnSequences: 600,
          eosTokenId: [],
        }),
      );
    const a = await run(11);
    expect((await run(11))[0]).toEqual(a[0]);
    const ones = a[0]!.filter((s) => s.tokens[0] === 1).length / 600;
    expect(ones).toBeGreaterThan(0.5 - 0.08);
    expect(ones).toBeLessThan(0.5 + 0.08);
  });

  it("aborts between steps", async () => {
    const controller = new AbortController();
    const table = [[[0, 1]]];
    const model = tableModel(table, [[1]]);
    const p = greedyOrSample(
      model,
      [[1]],
      resolveGenerationOptions({ maxNewTokens: 10, signal: controller.signal }),
      {
        onToken: () => controller.abort(),
      },
    );
    await expect(p).rejects.toSatisfy((e) => isClipkitError(e, "ABORTED"));
    expect(model.calls).toBe(1);
  });
});

describe("logits processors (HF semantics)", () => {
  it("repetition penalty divides positive and multiplies negative seen scores", () => {
    const s = Float32Array.of(2, -2, 1);
    repetitionPenalty(2)(s, [0, 1, 0], 0);
    expect([...s]).toEqual([1, -4, 1]);
  });

  it("no-repeat n-gram: a generated sequence never repeats an n-gram (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }),
        fc.integer(),
        (n, start, seed) => {
          const rng = createRng(seed);
          const seq = [...start];
          // Only check n-grams formed by tokens chosen under the processor.
          for (let i = 0; i < 12; i++) {
            const scores = Float32Array.from({ length: 8 }, () => rng.next());
            noRepeatNgram(n)(scores, seq, 0);
            let best = 0;
            for (let v = 1; v < 8; v++) if (scores[v]! > scores[best]!) best = v;
            if (scores[best] === Number.NEGATIVE_INFINITY) return;
            seq.push(best);
            const grams = new Set<string>();
            for (let j = 0; j + n <= seq.length; j++) {
              const g = seq.slice(j, j + n).join(",");
              if (j + n === seq.length) expect(grams.has(g)).toBe(false);
              grams.add(g);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("bad words ban the last token only after the prefix", () => {
    const s = Float32Array.of(0, 0, 0, 0);
    badWords([[3], [1, 2]])(s, [0, 1], 0);
    expect([...s]).toEqual([0, 0, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const t = Float32Array.of(0, 0, 0, 0);
    badWords([[1, 2]])(t, [0, 2], 0);
    expect(t[2]).toBe(0);
  });

  it("min new tokens hides every EOS until reached", () => {
    const s = Float32Array.of(1, 1, 1);
    minNewTokens(2, [0, 2])(s, [5, 1], 1);
    expect([...s]).toEqual([Number.NEGATIVE_INFINITY, 1, Number.NEGATIVE_INFINITY]);
    const t = Float32Array.of(1, 1, 1);
    minNewTokens(2, [0])(t, [5, 1, 1], 1);
    expect(t[0]).toBe(1);
  });
});

describe("warpers", () => {
  it("top-k keeps exactly the k best (distinct scores, property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        (vals, k) => {
          const s = Float32Array.from(vals);
          applyTopK(s, k);
          expect(s.filter((v) => v !== Number.NEGATIVE_INFINITY).length).toBe(Math.min(k, vals.length));
        },
      ),
    );
  });

  it("top-p keeps the smallest set reaching p (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: 0.05, max: 0.99, noNaN: true }),
        (vals, p) => {
          const s = Float32Array.from(vals, (v) => v / 10);
          const probs = softmax(s);
          applyTopP(s, p);
          const kept = [...probs].filter((_, i) => s[i] !== Number.NEGATIVE_INFINITY);
          const mass = kept.reduce((a, b) => a + b, 0);
          expect(mass).toBeGreaterThanOrEqual(p - 1e-6);
          // Dropping the least likely kept token must fall below p (minimality), unless one is left.
          if (kept.length > 1) expect(mass - Math.min(...kept)).toBeLessThanOrEqual(p + 1e-6);
        },
      ),
    );
  });
});

describe("options", () => {
  it("turns a default max_length into new tokens after the prompt, like HF", () => {
    const d = parseGenerationDefaults({
      max_length: 24,
      eos_token_id: [5, 6],
      num_beams: 4,
      length_penalty: 2,
    });
    expect(d.eosTokenIds).toEqual([5, 6]);
    const r = resolveGenerationOptions({}, d, 1);
    expect([r.maxNewTokens, r.numBeams, r.lengthPenalty, r.padTokenId]).toEqual([23, 4, 2, 5]);
    expect(resolveGenerationOptions({ maxNewTokens: 7 }, d, 1).maxNewTokens).toBe(7);
    expect(resolveGenerationOptions({}, parseGenerationDefaults({}), 30).maxNewTokens).toBe(20);
  });

  it("resolves maxLength like transformers 5: max_new_tokens first, max_length counts the prompt", () => {
    const d = parseGenerationDefaults({ max_length: 24 });
    expect(resolveGenerationOptions({ maxLength: 10 }, d, 4).maxNewTokens).toBe(6);
    expect(resolveGenerationOptions({ maxLength: 10, maxNewTokens: 3 }, d, 4).maxNewTokens).toBe(3);
    // A config max_new_tokens beats a user max_length, as in generate().
    const withNew = parseGenerationDefaults({ max_length: 24, max_new_tokens: 5 });
    expect(resolveGenerationOptions({ maxLength: 10 }, withNew, 4).maxNewTokens).toBe(5);
    for (const [o, defaults] of [
      [{ maxLength: 4 }, d],
      [{}, parseGenerationDefaults({ max_length: 3 })],
    ] as const) {
      try {
        resolveGenerationOptions(o, defaults, 4);
        expect.unreachable();
      } catch (e) {
        expect(isClipkitError(e, "INVALID_ARGUMENT")).toBe(true);
        expect((e as Error).message).toContain("maxLength");
      }
    }
  });

  it("rejects invalid values naming the option", () => {
    for (const bad of [
      { maxNewTokens: 0 },
      { numBeams: 1.5 },
      { topP: 0 },
      { temperature: -1 },
      { doSample: true, numBeams: 2 },
    ]) {
      try {
        resolveGenerationOptions(bad);
        expect.unreachable();
      } catch (e) {
        expect(isClipkitError(e, "INVALID_ARGUMENT")).toBe(true);
        expect((e as Error).message).toContain(Object.keys(bad).at(-1)!);
      }
    }
  });
});

describe("lastLogits", () => {
  it("takes the last position of every row, widening float16", () => {
    // 2 rows × 2 positions × 2 vocab; fp16 bits of 1, 2, 3, 4, -1, -2, 0.5, 65504.
    const bits = Uint16Array.of(0x3c00, 0x4000, 0x4200, 0x4400, 0xbc00, 0xc000, 0x3800, 0x7bff);
    const { logits, vocabSize } = lastLogits(tensor("float16", bits, [2, 2, 2]), "dec.onnx");
    expect(vocabSize).toBe(2);
    expect([...logits]).toEqual([3, 4, 0.5, 65504]);
    expect(() => lastLogits(tensor("float32", new Float32Array(4), [2, 2]), "dec.onnx")).toThrow(/dec.onnx/);
  });
});

describe("streaming helpers", () => {
  it("never splits a UTF-8 character across deltas", () => {
    const bytes = [...new TextEncoder().encode("é✓")];
    const decode = (ids: readonly number[]) =>
      new TextDecoder().decode(Uint8Array.from(ids.map((i) => bytes[i]!)));
    const d = new TextDeltas(decode);
    const deltas = bytes.map((_, i) => d.push(i));
    expect(deltas.join("")).toBe("é✓");
    expect(deltas.filter((x) => x !== "")).toEqual(["é", "✓"]);
  });

  it("iterate yields emitted values then rethrows the producer's error", async () => {
    const seen: number[] = [];
    const it = iterate<number>(async (emit) => {
      emit(1);
      await Promise.resolve();
      emit(2);
      throw new Error("boom");
    });
    await expect(
      (async () => {
        for await (const v of it) seen.push(v);
      })(),
    ).rejects.toThrow("boom");
    expect(seen).toEqual([1, 2]);
  });
});
