/**
 * Download the files one dtype of a hub model needs into the Hugging Face cache shared with Python,
 * printing progress, then show where they are.
 *
 *   npx tsx --conditions=@clipkit/source examples/download.ts <owner/name[@revision]> [dtype]
 *
 * Honours HF_ENDPOINT (a mirror, or a local test server), HF_TOKEN, HF_HUB_CACHE and HF_HUB_OFFLINE.
 * Run it twice: the second run makes no request. For a split export the combined graph is not
 * downloaded: its logit scale is read over Range requests and shown from the record kept instead.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { downloadModel } from "@clipkit/backend-node";
import { parseDtype, SCORING_RECORD_SUFFIX } from "@clipkit/core";

const [id = "Xenova/clip-vit-base-patch32", dtype] = process.argv.slice(2);
let lastFile = "";
const model = await downloadModel(id, {
  ...(dtype ? { dtype: parseDtype(dtype) } : {}),
  onProgress: (p) => {
    if (p.file !== lastFile && p.fileBytes === p.fileTotal) {
      lastFile = p.file;
      const mb = (n: number) => (n / 1e6).toFixed(1);
      console.log(`[${p.filesDone}/${p.filesTotal}] ${p.file} (${mb(p.bytes)} / ${mb(p.total)} MB)`);
    }
  },
});
console.log(
  `${model.repo}@${model.revision} = commit ${model.commit}${model.fromCache ? " (from the cache, no request)" : ""}`,
);
console.log(`folder: ${model.dir}`);
for (const f of model.files) console.log(`  ${f}`);
// The combined graph's trained logit scale (and SigLIP bias), read remotely from its structure.
for (const f of model.files.filter((p) => p.endsWith(SCORING_RECORD_SUFFIX))) {
  const { scale, bias } = JSON.parse(await readFile(join(model.dir, f), "utf8")) as {
    scale: number;
    bias?: number;
  };
  console.log(`scoring (${f}): logit scale ${scale}${bias === undefined ? "" : `, bias ${bias}`}`);
}
