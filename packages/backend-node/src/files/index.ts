export { writeFileAtomic } from "./atomic.js";
export { nodeFiles } from "./node-files.js";
export { assertWritableFile } from "./writable.js";
