export { replaceFileAtomic } from "./atomic.js";
export { loadFlatIndexFile, loadUsearchIndexFile, saveFlatIndexFile, saveUsearchIndexFile } from "./files.js";
export { type PgVectorHnswOptions, type PgVectorOptions, PgVectorRetriever } from "./pgvector.js";
export { quoteIdentifier, type SqlClient } from "./sql.js";
export { UsearchIndex, type UsearchIndexOptions, type UsearchState } from "./usearch-index.js";
export { loadUsearch, nativeExactSearch, type UsearchModule } from "./usearch-native.js";
