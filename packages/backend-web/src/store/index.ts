export {
  deleteIndexFromIndexedDb,
  type IndexedDbStoreOptions,
  loadIndexFromIndexedDb,
  saveIndexToIndexedDb,
} from "./indexeddb.js";
export { deleteIndexFromOpfs, loadIndexFromOpfs, type OpfsStoreOptions, saveIndexToOpfs } from "./opfs.js";
