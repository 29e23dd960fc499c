export { type LoadClipModelOptions, loadClipModel, WORKER_MIN_GRAPH_BYTES } from "./load.js";
export { type ImagePrepareOptions, nodeImagePreparer } from "./prepare.js";
