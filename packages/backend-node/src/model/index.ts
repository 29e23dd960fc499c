export { type LoadClipModelOptions, loadClipModel } from "./load.js";
export { nodeImagePreparer } from "./prepare.js";
