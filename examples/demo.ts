/**
 * `pnpm demo`: the README's first command. Shows the embedding-space maths clipkit is built on.
 */
import { cosine, ensembleMean, normalize, softmax, topK } from "@clipkit/core";

const image = normalize([0.6, 0.8]);
const texts: Record<string, number[]> = {
  "a photo of a cat (matching)": [0.5, 0.866],
  "a photo of a dog (orthogonal)": [0.8, -0.6],
};
console.log("clipkit embedding maths demo\n");
const labels = Object.keys(texts);
const cosines = labels.map((l) => cosine(image, texts[l]!));
const probs = softmax(cosines, 100);
for (const [i, l] of labels.entries()) {
  console.log(`  ${l.padEnd(32)} cosine ${cosines[i]!.toFixed(3)}  p(softmax·100) ${probs[i]!.toFixed(4)}`);
}
const ensemble = ensembleMean(new Float32Array([0.5, 0.866, 0.6, 0.8]), 2);
console.log(`\n  ensemble of two prompts → [${[...ensemble].map((v) => v.toFixed(3)).join(", ")}]`);
console.log(`  top-1 label: ${labels[topK(cosines, 1)[0]!.index]}`);
