export { type LoadClipModelOptions, loadClipModel } from "./load.js";
export { type ImagePrepareOptions, nodeImagePreparer } from "./prepare.js";
