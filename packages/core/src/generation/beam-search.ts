/**
 * Beam search with Hugging Face semantics (`_beam_search` + `BeamSearchScorer`, transformers
 * 4.4x): log-softmax, processors on log-probs, the top `max(2, 1 + #eos) · numBeams` candidates
 * per input, EOS candidates ranked past `numBeams` dropped, hypotheses scored
 * `sum_logprobs / generated_len ^ lengthPenalty` (EOS counted), `earlyStopping` true / false /
 * "never", unfinished beams added at the end, EOS appended to hypotheses shorter than the limit.
 *
 * Stop strings follow the vectorised beam search of transformers ≥ 4.50 (PR #35802), where
 * every candidate is run through the stopping criteria: a candidate whose generated text now
 * contains a stop string is finished like an EOS candidate (kept as a hypothesis when ranked
 * below `numBeams`, never continued). transformers 4.39–4.49 only stopped once *all* beams hit
 * (issue #34843), which in practice meant stop strings did nothing with beams.
 */
import { throwIfAborted } from "./options.js";
import { applyProcessors, processorsFor } from "./processors.js";
import { expandRows, type SearchHooks } from "./search.js";
import type { GeneratedSequence, LogitsModel, ResolvedGenerationOptions } from "./types.js";

interface Hypothesis {
  score: number;
  tokens: number[];
  /** Ended by a stop string: returned as is, without an EOS appended. */
  stopped: boolean;
}

/** The n best finished hypotheses of one input (HF `BeamHypotheses`). */
class Hypotheses {
  readonly beams: Hypothesis[] = [];
  worst = 1e9;

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
    private readonly earlyStopping: boolean | "never",
    private readonly maxNewTokens: number,
  ) {}

  add(tokens: number[], sumLogprobs: number, generatedLength: number, stopped = false): void {
    const score = sumLogprobs / generatedLength ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worst) {
      this.beams.push({ score, tokens, stopped });
      if (this.beams.length > this.numBeams) {
        const ranked = this.beams
          .map((b, i) => [b.score, i] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(ranked[0]![1], 1);
        this.worst = ranked[1]![0];
      } else {
        this.worst = Math.min(score, this.worst);
      }
    }
  }

  isDone(bestSumLogprobs: number, generatedLength: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const length =
      this.earlyStopping === false || this.lengthPenalty <= 0 ? generatedLength : this.maxNewTokens;
    return this.worst >= bestSumLogprobs / length ** this.lengthPenalty;
  }
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
function topK(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (best.length === k && v <= values[best[k - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]!]! < v) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Beam search over `prompts` (one context per input). The model starts with one row per input;
 * after the first step it is reordered to `numBeams` rows per input. Returns
 * `numReturnSequences` sequences per input, best first, each with its score. `hooks.decode`
 * (generated ids → text) is needed only for `stopStrings`; without it they are ignored.
 */
export async function beamSearch(
  model: LogitsModel,
  prompts: readonly (readonly number[])[],
  options: ResolvedGenerationOptions,
  hooks: Pick<SearchHooks, "decode"> = {},
): Promise<GeneratedSequence[][]> {
  const nb = options.numBeams;
  const batch = prompts.length;
  const eos = new Set(options.eosTokenIds);
  const keep = Math.max(2, 1 + eos.size) * nb;
  const processors = processorsFor(options);
  const { decode } = hooks;
  const stops = decode ? options.stopStrings : [];
  // The parent beam had no stop string (it would have finished), so `includes` finds the first
  // occurrence: one ending inside the new token, as HF's StopStringCriteria allows.
  const hitsStop = (ids: readonly number[]) => {
    if (stops.length === 0) return false;
    const text = decode!(ids);
    return stops.some((s) => text.includes(s));
  };
  const hyps = prompts.map(
    () => new Hypotheses(nb, options.lengthPenalty, options.earlyStopping, options.maxNewTokens),
  );
  const done = prompts.map(() => false);
  let contexts = expandRows(batch, nb).map((i) => [...prompts[i]!]);
  const promptLengths = contexts.map((c) => c.length);
  let generated: number[][] = contexts.map(() => []);
  // Beam 0 of each input starts at 0, the copies at -1e9 so the first step expands only beam 0.
  let beamScores = new Float64Array(batch * nb).map((_, i) => (i % nb === 0 ? 0 : -1e9));
  let tokens: number[] | null = null;
  let first = true;
  for (let step = 1; ; step++) {
    throwIfAborted(options.signal);
    const { logits, vocabSize } = await model.next(tokens);
    throwIfAborted(options.signal);
    const nextScores = new Float64Array(batch * nb);
    const nextTokens = new Array<number>(batch * nb).fill(options.padTokenId);
    const nextRows = new Array<number>(batch * nb).fill(0);
    for (let b = 0; b < batch; b++) {
      if (done[b]) continue;
      // Scores of all beams of this input, flattened [nb × vocab] like HF's view(batch, nb * vocab).
      const flat = new Float32Array(nb * vocabSize);
      for (let j = 0; j < nb; j++) {
        const row = b * nb + j;
        const src = first ? b : row;
        const scores = flat.subarray(j * vocabSize, (j + 1) * vocabSize);
        scores.set(logits.subarray(src * vocabSize, (src + 1) * vocabSize));
        logSoftmaxInPlace(scores);
        applyProcessors(processors, scores, contexts[row]!, promptLengths[row]!);
        for (let v = 0; v < vocabSize; v++) scores[v] = scores[v]! + beamScores[row]!;
      }
      const candidates = topK(flat, keep);
      const finished: number[] = [];
      let slot = 0;
      for (let rank = 0; rank < candidates.length && slot < nb; rank++) {
        const c = candidates[rank]!;
        const token = c % vocabSize;
        const row = b * nb + Math.floor(c / vocabSize);
        const score = flat[c]!;
        const isEos = eos.has(token);
        const tokens = isEos || stops.length > 0 ? [...generated[row]!, token] : [];
        if (isEos || hitsStop(tokens)) {
          finished.push(c);
          if (rank < nb) hyps[b]!.add(tokens, score, step, !isEos);
        } else {
          const at = b * nb + slot++;
          nextScores[at] = score;
          nextTokens[at] = token;
          nextRows[at] = row;
        }
      }
      // Stop strings can finish more than `keep - numBeams` candidates. HF then keeps running
      // finished ones at score - 1e9 so the batch shape holds; they can never win.
      for (const c of finished) {
        if (slot >= nb) break;
        const at = b * nb + slot++;
        nextScores[at] = flat[c]! - 1e9;
        nextTokens[at] = c % vocabSize;
        nextRows[at] = b * nb + Math.floor(c / vocabSize);
      }
      done[b] = hyps[b]!.isDone(flat[candidates[0]!]!, step);
    }
    beamScores = nextScores;
    contexts = nextRows.map((r, i) => [...contexts[r]!, nextTokens[i]!]);
    generated = nextRows.map((r, i) => [...generated[r]!, nextTokens[i]!]);
    model.reorder(first ? nextRows.map((r) => Math.floor(r / nb)) : nextRows);
    first = false;
    tokens = nextTokens;
    if (done.every(Boolean) || step >= options.maxNewTokens) break;
  }
  return hyps.map((h, b) => {
    if (!done[b]) {
      for (let j = 0; j < nb; j++)
        h.add(generated[b * nb + j]!, beamScores[b * nb + j]!, generated[b * nb + j]!.length);
    }
    // Stable ascending sort then pop, as HF: among equal scores the later-added wins.
    const ranked = h.beams.map((x, i) => ({ ...x, i })).sort((a, c) => a.score - c.score || a.i - c.i);
    const out: GeneratedSequence[] = [];
    for (let n = 0; n < options.numReturnSequences; n++) {
      const best = ranked.pop()!;
      const tokens =
        !best.stopped && best.tokens.length < options.maxNewTokens && !eos.has(best.tokens.at(-1) ?? -1)
          ? [...best.tokens, options.eosTokenIds[0] ?? options.padTokenId]
          : best.tokens;
      out.push({ tokens, score: best.score });
    }
    return out;
  });
}
