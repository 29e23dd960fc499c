/** Child process of the concurrency test: downloads argv[2] into argv[3] from argv[4], prints the result. */
import { downloadModel } from "../resolve.js";

const [id, cacheDir, endpoint] = process.argv.slice(2) as [string, string, string];
const model = await downloadModel(id, { cacheDir, endpoint, offline: false, token: "", retries: 8 });
process.stdout.write(`${JSON.stringify({ commit: model.commit, files: model.files })}\n`);
