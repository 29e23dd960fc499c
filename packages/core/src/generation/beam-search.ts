/**
 * Beam search as transformers ≥ 4.50 runs it (the vectorised `_beam_search` of PR #35802, kept
 * in 5.x), step for step:
 *
 * 1. log-softmax of each running beam's logits, processors on the log-probs, plus the beam's
 *    running score; the top `max(2, 1 + #eos) · numBeams` candidates over all beams of an input;
 * 2. a candidate *finishes* when its token is an EOS id, its generated text contains a stop
 *    string, or it reaches the length limit;
 * 3. the next running beams are the `numBeams` best candidates, finished ones pushed down by 1e9;
 * 4. finished candidates ranked below `numBeams` are kept as hypotheses, scored
 *    `sum_logprobs / generated_len ^ lengthPenalty` (EOS counted), merged with the earlier ones
 *    and the `numBeams` best kept — unless the input is already done;
 * 5. an input is done when no running beam can still beat the worst kept hypothesis: the bound is
 *    the best *running* beam's score over the current length (`earlyStopping` false or true) or
 *    over the maximum length (`"never"` with `lengthPenalty` > 0). `earlyStopping: true` also
 *    stops as soon as `numBeams` hypotheses are kept. Before 4.50 the bound used the best
 *    candidate of the step, EOS candidates included, which ran beams longer.
 *
 * Scores are float32 like torch's, so near-ties break the same way. Stop strings finish a beam
 * like EOS (a 4.50 change: 4.39–4.49 only stopped once all beams hit one, issue #34843).
 */
import { throwIfAborted } from "./options.js";
import { applyProcessors, processorsFor } from "./processors.js";
import type { SearchHooks } from "./search.js";
import type { GeneratedSequence, LogitsModel, ResolvedGenerationOptions } from "./types.js";

const f32 = Math.fround;
/** transformers' stand-in for −∞ in beam bookkeeping (added in float32). */
const PENALTY = -1e9;

/** A beam, finished or running: its generated ids and its float32 score. */
interface Beam {
  tokens: number[];
  score: number;
  /** Finished slots only: a real hypothesis (not a placeholder still at −1e9). */
  finished: boolean;
}

function logSoftmaxInPlace(row: Float32Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < row.length; i++) row[i] = row[i]! - lse;
}

/** Indices of the `k` largest values, best first (lower index first on ties, like `torch.topk`). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (best.length === k && !(v > values[best[k - 1]!]!)) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Per-input state: running beams, kept hypotheses and the early-stop flag. */
interface InputState {
  running: Beam[];
  kept: Beam[];
  /** transformers' `is_early_stop_heuristic_unsatisfied`: a running beam may still improve. */
  open: boolean;
}

/**
 * Beam search over `prompts` (one context per input). The model starts with one row per input;
 * after the first step it is reordered to `numBeams` rows per input. Returns
 * `numReturnSequences` sequences per input, best first, each with its score; sequences end with
 * their EOS id when they produced one. `hooks.decode` (generated ids → text) is needed only for
 * `stopStrings`; without it they are ignored.
 */
export async function beamSearch(
  model: LogitsModel,
  prompts: readonly (readonly number[])[],
  options: ResolvedGenerationOptions,
  hooks: Pick<SearchHooks, "decode"> = {},
): Promise<GeneratedSequence[][]> {
  const nb = options.numBeams;
  const lp = options.lengthPenalty;
  const eos = new Set(options.eosTokenIds);
  const keep = Math.max(2, 1 + eos.size) * nb;
  const processors = processorsFor(options);
  const { decode } = hooks;
  const stops = decode ? options.stopStrings : [];
  const hitsStop = (ids: readonly number[]) => {
    if (stops.length === 0) return false;
    const text = decode!(ids);
    return stops.some((s) => text.includes(s));
  };
  // Beam 0 of each input starts at 0, the copies at −1e9 so the first step expands only beam 0.
  const states: InputState[] = prompts.map(() => ({
    running: Array.from({ length: nb }, (_, j) => ({
      tokens: [],
      score: j === 0 ? 0 : PENALTY,
      finished: false,
    })),
    kept: Array.from({ length: nb }, () => ({ tokens: [], score: PENALTY, finished: false })),
    open: true,
  }));
  let tokens: number[] | null = null;
  for (let step = 1; ; step++) {
    throwIfAborted(options.signal);
    const { logits, vocabSize } = await model.next(tokens);
    throwIfAborted(options.signal);
    const atLimit = step >= options.maxNewTokens;
    const nextRows: number[] = [];
    const nextTokens: number[] = [];
    let allHit = true;
    states.forEach((state, b) => {
      const flat = new Float32Array(nb * vocabSize);
      for (let j = 0; j < nb; j++) {
        const src = step === 1 ? b : b * nb + j;
        const scores = flat.subarray(j * vocabSize, (j + 1) * vocabSize);
        scores.set(logits.subarray(src * vocabSize, (src + 1) * vocabSize));
        logSoftmaxInPlace(scores);
        const beam = state.running[j]!;
        applyProcessors(processors, scores, [...prompts[b]!, ...beam.tokens], prompts[b]!.length);
        for (let v = 0; v < vocabSize; v++) scores[v] = scores[v]! + beam.score;
      }
      const candidates = topK(flat, keep).map((c, rank) => {
        const beam = Math.floor(c / vocabSize);
        const token = c % vocabSize;
        const seq = [...state.running[beam]!.tokens, token];
        const hit = eos.has(token) || atLimit || hitsStop(seq);
        return { beam, token, seq, score: flat[c]!, hit, rank };
      });
      if (!candidates.every((c) => c.hit)) allHit = false;
      // Next running beams: the best candidates that did not finish.
      const runningScores = candidates.map((c) => (c.hit ? f32(c.score + PENALTY) : c.score));
      const chosen = topK(runningScores, nb).map((i) => candidates[i]!);
      // Kept hypotheses: finished candidates among the first numBeams, merged with the old ones.
      const norm = f32(step ** lp);
      const full = options.earlyStopping === true && state.kept.every((k) => k.finished);
      const merged: Beam[] = [
        ...state.kept,
        ...candidates.map((c) => {
          const finished = c.hit && c.rank < nb;
          let score = f32(c.score / norm);
          if (full) score = f32(score + PENALTY);
          if (!state.open) score = f32(score + PENALTY);
          if (!finished) score = f32(score + PENALTY);
          return { tokens: c.seq, score, finished };
        }),
      ];
      state.kept = topK(
        merged.map((m) => m.score),
        nb,
      ).map((i) => merged[i]!);
      state.running = chosen.map((c) => ({ tokens: c.seq, score: runningScores[c.rank]!, finished: false }));
      for (const c of chosen) {
        nextRows.push(step === 1 ? b : b * nb + c.beam);
        nextTokens.push(c.token);
      }
      // Can the best running beam still beat the worst kept hypothesis?
      const length = options.earlyStopping === "never" && lp > 0 ? options.maxNewTokens : step;
      const bestPossible = f32(state.running[0]!.score / f32(length ** lp));
      const worstKept = state.kept.every((k) => k.finished)
        ? Math.min(...state.kept.map((k) => k.score))
        : PENALTY;
      state.open = state.open && bestPossible > worstKept;
    });
    model.reorder(nextRows);
    tokens = nextTokens;
    const improvable = states.some((s) => s.open);
    const allKept = options.earlyStopping === true && states.every((s) => s.kept.every((k) => k.finished));
    if (!improvable || allKept || allHit) break;
  }
  return states.map((s) =>
    s.kept.slice(0, options.numReturnSequences).map((k) => ({ tokens: k.tokens, score: k.score })),
  );
}
