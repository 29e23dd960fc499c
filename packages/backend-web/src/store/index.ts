export {
  deleteIndexFromIndexedDb,
  type IndexedDbStoreOptions,
  loadIndexFromIndexedDb,
  saveIndexToIndexedDb,
} from "./indexeddb.js";
