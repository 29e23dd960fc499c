export { type LoadClipModelOptions, loadClipModel } from "./load.js";
export { webImagePreparer } from "./prepare.js";
