/**
 * Download the files one dtype of a hub model needs into the Hugging Face cache shared with Python,
 * printing progress, then show where they are.
 *
 *   npx tsx --conditions=@clipkit/source examples/download.ts <owner/name[@revision]> [dtype]
 *
 * Honours HF_ENDPOINT (a mirror, or a local test server), HF_TOKEN, HF_HUB_CACHE and HF_HUB_OFFLINE.
 * Run it twice: the second run makes no request.
 */
import { downloadModel } from "@clipkit/backend-node";
import { parseDtype } from "@clipkit/core";

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
