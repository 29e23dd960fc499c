// Child process for crash.test.ts: saves a large index to argv[2] over and over until killed.
import { FlatIndex, syntheticEmbeddings } from "@clipkit/core";
import { saveFlatIndexFile } from "./files.js";

const path = process.argv[2]!;
const rows = syntheticEmbeddings({ count: 10_000, dim: 256, seed: 2 });
const index = new FlatIndex(rows.space);
index.add(
  Array.from({ length: rows.count }, (_, i) => `big${i}`),
  rows,
);
for (let round = 0; ; round++) {
  process.stdout.write(`saving ${round}\n`);
  await saveFlatIndexFile(index, path);
}
