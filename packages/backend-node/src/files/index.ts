export { writeFileAtomic } from "./atomic.js";
export { loadHeadFile, readHeadFileInfo, saveHeadFile } from "./head-file.js";
export { nodeFiles } from "./node-files.js";
export { readFileBytes } from "./read-bytes.js";
export { assertWritableFile } from "./writable.js";
