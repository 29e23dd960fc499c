/**
 * Serves the fake repos (`clipkit/tiny-clip`, `clipkit/emoji`, `clipkit/captioner`, `clipkit/gated`)
 * on 127.0.0.1 for trying hub ids by hand without the real hub:
 *
 *   npx tsx --conditions=@clipkit/source packages/backend-node/src/hub/testing/serve.ts [port-file]
 *   HF_ENDPOINT=<printed URL> npx tsx --conditions=@clipkit/source examples/download.ts clipkit/emoji
 *
 * Prints the URL (and writes it to `port-file` when given); stops on SIGINT/SIGTERM.
 */
import { writeFileSync } from "node:fs";
import { FAKE_REPOS } from "./fixtures.js";
import { startHubServer } from "./hub-server.js";

const server = await startHubServer(FAKE_REPOS);
console.log(server.url);
if (process.argv[2]) writeFileSync(process.argv[2], server.url);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void server.close());
