export { replaceFileAtomic } from "./atomic.js";
export { loadFlatIndexFile, loadUsearchIndexFile, saveFlatIndexFile, saveUsearchIndexFile } from "./files.js";
export { UsearchIndex, type UsearchIndexOptions, type UsearchState } from "./usearch-index.js";
export { loadUsearch, nativeExactSearch, type UsearchModule } from "./usearch-native.js";
