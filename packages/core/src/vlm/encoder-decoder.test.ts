import { describe, expect, it } from "vitest";
import type { InferenceSession, Tensor } from "../backend/session.js";
import { tensor } from "../backend/tensor.js";
import { isClipkitError } from "../errors.js";
import { generate } from "../generation/generate.js";
import { resolveGenerationOptions } from "../generation/options.js";
import { startEncoderDecoder } from "./encoder-decoder.js";

const VOCAB = 6;

/** A Whisper/BART-style merged decoder: `.decoder.` self cache, `.encoder.` cross cache, use_cache_branch. */
function fakeSessions(log: string[]) {
  const encoder: InferenceSession = {
    inputs: [{ name: "pixel_values" }],
    outputs: [{ name: "last_hidden_state" }],
    async run(feeds) {
      const px = feeds.pixel_values!;
      const b = px.dims[0]!;
      const per = px.data.length / b;
      const out = new Float32Array(b);
      for (let i = 0; i < b; i++)
        for (let j = 0; j < per; j++) out[i]! += (px.data as Float32Array)[i * per + j]!;
      return { last_hidden_state: tensor("float32", out, [b, 1, 1]) };
    },
    async release() {},
  };
  const decoder: InferenceSession = {
    inputs: [
      { name: "input_ids" },
      { name: "encoder_hidden_states" },
      { name: "past_key_values.0.decoder.key", dims: ["batch_size", 1, "past_decoder_sequence_length", 1] },
      { name: "past_key_values.0.encoder.key", dims: ["batch_size", 1, "encoder_sequence_length_out", 1] },
      { name: "use_cache_branch", dims: [1] },
      { name: "encoder_attention_mask" },
      { name: "position_ids" },
    ],
    outputs: [{ name: "logits" }, { name: "present.0.decoder.key" }, { name: "present.0.encoder.key" }],
    async run(feeds) {
      const ids = feeds.input_ids as Tensor<"int64">;
      const [rows, n] = ids.dims as [number, number];
      const branch = (feeds.use_cache_branch!.data as Uint8Array)[0] === 1;
      const past = feeds["past_key_values.0.decoder.key"] as Tensor<"float32">;
      const cross = feeds["past_key_values.0.encoder.key"] as Tensor<"float32">;
      const enc = feeds.encoder_hidden_states!.data as Float32Array;
      const pastLen = past.dims[2]!;
      const mask = feeds.encoder_attention_mask as Tensor<"int64">;
      if (mask.dims.join() !== `${rows},1` || mask.data.some((v) => v !== 1n))
        throw new Error("bad encoder_attention_mask");
      const pos = feeds.position_ids as Tensor<"int64">;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < n; i++)
          if (pos.data[r * n + i] !== BigInt(pastLen + i)) throw new Error("bad position_ids");
      }
      if (branch !== pastLen > 0) throw new Error(`use_cache_branch ${branch} with past length ${pastLen}`);
      if (branch && cross.dims[2] !== 1) throw new Error("cross-attention cache not fed back");
      log.push(`${branch ? "cached" : "full"}:${n}`);
      const total = pastLen + n;
      const present = new Float32Array(rows * total);
      const logits = new Float32Array(rows * n * VOCAB);
      for (let r = 0; r < rows; r++) {
        if (branch && (cross.data as Float32Array)[r] !== enc[r])
          throw new Error("cross cache of the wrong row");
        const seq: number[] = [];
        for (let i = 0; i < pastLen; i++) seq.push(past.data[r * pastLen + i]!);
        for (let i = 0; i < n; i++) seq.push(Number(ids.data[r * n + i]));
        seq.forEach((t, i) => {
          present[r * total + i] = t;
        });
        // Logits depend on the whole sequence and the image, so a broken cache changes the output.
        const h = seq.reduce((a, t, i) => a + t * (i + 3), 0) + enc[r]! * 5;
        for (let v = 0; v < VOCAB; v++)
          logits[(r * n + n - 1) * VOCAB + v] =
            Math.sin(h * 1.3 + v * 2.1) * 3 + (v === 0 ? seq.length / 3 - 1 : 0);
      }
      return {
        logits: tensor("float32", logits, [rows, n, VOCAB]),
        "present.0.decoder.key": tensor("float32", present, [rows, 1, total, 1]),
        "present.0.encoder.key": branch
          ? tensor("float32", new Float32Array(0), [rows, 1, 0, 1])
          : tensor("float32", Float32Array.from(enc), [rows, 1, 1, 1]),
      };
    },
    async release() {},
  };
  return { encoder, decoder, labels: { encoder: "enc.onnx", decoder: "dec.onnx" } };
}

const pixels = tensor("float32", Float32Array.of(0.1, 0.7, -0.3, 0.25), [4, 1, 1, 1]);
const prompts = [[1], [1], [1], [1]];

describe("encoder-decoder KV plumbing (.decoder/.encoder caches, use_cache_branch)", () => {
  for (const numBeams of [1, 3]) {
    it(`cache and no-cache agree (numBeams ${numBeams})`, async () => {
      const o = resolveGenerationOptions({
        numBeams,
        maxNewTokens: 8,
        eosTokenId: 0,
        numReturnSequences: numBeams,
      });
      const log: string[] = [];
      const s = fakeSessions(log);
      const cached = await generate(
        await startEncoderDecoder(s, pixels, prompts, { useCache: true, hints: {} }),
        prompts,
        o,
      );
      expect(log[0]).toBe("full:1");
      expect(log.slice(1).every((l) => l === "cached:1")).toBe(true);
      log.length = 0;
      const plain = await generate(
        await startEncoderDecoder(s, pixels, prompts, { useCache: false, hints: {} }),
        prompts,
        o,
      );
      expect(log.every((l) => l.startsWith("full:"))).toBe(true);
      expect(plain).toEqual(cached);
      expect(cached.some((seqs) => seqs[0]!.tokens.length > 1)).toBe(true);
    });
  }

  it("needs config hints when cache dims are symbolic", async () => {
    const s = fakeSessions([]);
    const decoder = {
      ...s.decoder,
      inputs: s.decoder.inputs.map((i) => (i.dims ? { ...i, dims: ["b", "heads", "p", "d"] } : i)),
    };
    const lm = await startEncoderDecoder({ ...s, decoder }, pixels, prompts, { useCache: true, hints: {} });
    await expect(lm.next(null)).rejects.toSatisfy((e) => isClipkitError(e, "MODEL_CONFIG_INVALID"));
    const ok = await startEncoderDecoder({ ...s, decoder }, pixels, prompts, {
      useCache: true,
      hints: { numHeads: 1, headDim: 1 },
    });
    await expect(ok.next(null)).resolves.toBeDefined();
  });
});
