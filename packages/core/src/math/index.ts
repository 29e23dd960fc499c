export { ensembleMean } from "./ensemble.js";
export {
  type ContrastiveLossResult,
  type SigmoidLossResult,
  sigmoidLoss,
  symmetricInfoNce,
} from "./losses.js";
export { similarity, similarityMatrix } from "./similarity.js";
export { logSigmoid, logSoftmax, logSumExp, scaledSigmoid, sigmoid, softmax } from "./softmax.js";
export { type ScoredIndex, TopKHeap, topK } from "./topk.js";
export { cosine, dot, norm, normalize, normalizeRows } from "./vector.js";
