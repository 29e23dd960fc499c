export { nodeFiles } from "./node-files.js";
