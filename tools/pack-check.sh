#!/usr/bin/env bash
# Packs every publishable package as it would be published (pnpm pack: workspace:* becomes the
# version), installs the tarballs with npm into an empty app, and checks that each one imports
# from ESM and CommonJS, type-checks from TypeScript (nodenext), and that the `clipkit` bin runs
# on the bundled model. Needs `pnpm build` first. Network: the npm registry only (third-party
# dependencies; npm's cache makes re-runs fast). Run: bash tools/pack-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ONNXRUNTIME_NODE_INSTALL=skip
PNPM="npx -y pnpm@12.4.2"
PACKAGES=(core prompts model-emoji backend-node backend-web cli)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clipkit-pack-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tarballs" "$WORK/app"

for p in "${PACKAGES[@]}"; do
  [ -d "packages/$p/dist" ] || { echo "pack-check: packages/$p/dist missing; run pnpm build first" >&2; exit 1; }
done
# One pnpm start for all packages (each start costs seconds).
$PNPM -r --filter "./packages/*" pack --pack-destination "$WORK/tarballs" >/dev/null
ls "$WORK/tarballs"
[ "$(ls "$WORK/tarballs" | wc -l)" -eq "${#PACKAGES[@]}" ] || { echo "pack-check: expected ${#PACKAGES[@]} tarballs" >&2; exit 1; }

cd "$WORK/app"
echo '{ "name": "clipkit-pack-check", "private": true, "version": "0.0.0" }' >package.json
# --ignore-scripts: onnxruntime-node's install script fetches CUDA binaries from outside npm.
# @types/node: what a Node TypeScript app has anyway (the .d.ts files name Buffer, node:stream).
TYPES_NODE=$(node -p 'require(process.argv[1]).version' "$ROOT/node_modules/@types/node/package.json")
npm install --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error \
  "$WORK"/tarballs/*.tgz "@types/node@$TYPES_NODE"

# What each package must export (a few names per package, from ESM and from CommonJS).
cat >expect.json <<'JSON'
{
  "@clipkit/core": ["createClipModel", "FlatIndex", "buildZeroShotHead", "ClipkitError"],
  "@clipkit/prompts": ["buildPrompts", "getPack", "imagenetClasses"],
  "@clipkit/model-emoji": ["emojiModelDir", "emojiModelScoring"],
  "@clipkit/backend-node": ["loadClipModel", "saveHeadFile", "updateGallery", "loadIndexFile"],
  "@clipkit/backend-web": ["loadClipModel", "webBackend"],
  "@clipkit/cli": ["runCli", "commands"]
}
JSON
cat >esm.mjs <<'JS'
import { readFileSync } from "node:fs";
const expected = JSON.parse(readFileSync("expect.json", "utf8"));
for (const [name, names] of Object.entries(expected)) {
  const mod = await import(name);
  const missing = names.filter((n) => !(n in mod));
  if (missing.length) throw new Error(`ESM ${name}: missing ${missing.join(", ")}`);
}
console.log("esm ok");
JS
cat >cjs.cjs <<'JS'
const expected = require("./expect.json");
for (const [name, names] of Object.entries(expected)) {
  const mod = require(name);
  const missing = names.filter((n) => !(n in mod));
  if (missing.length) throw new Error(`CJS ${name}: missing ${missing.join(", ")}`);
}
console.log("cjs ok");
JS
node esm.mjs
node cjs.cjs

# TypeScript: the published .d.ts files, resolved the way Node resolves them (nodenext).
cat >check.mts <<'TS'
import { loadClipModel, type LoadClipModelOptions } from "@clipkit/backend-node";
import { runCli, type Command } from "@clipkit/cli";
import { type ClipModel, FlatIndex } from "@clipkit/core";
import { emojiModelDir } from "@clipkit/model-emoji";
import { getPack } from "@clipkit/prompts";
const options: LoadClipModelOptions = { dtype: "fp32", intraOpThreads: 1 };
const model: Promise<ClipModel<unknown>> = loadClipModel(emojiModelDir, options);
const code: Promise<number> = runCli(["--version"]);
const commands: readonly Command[] = [];
export { code, commands, FlatIndex, getPack, model };
TS
cat >check.cts <<'TS'
import core = require("@clipkit/core");
import node = require("@clipkit/backend-node");
const index: typeof core.FlatIndex = core.FlatIndex;
const load: typeof node.loadClipModel = node.loadClipModel;
export = { index, load };
TS
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "files": ["check.mts", "check.cts"]
}
JSON
node "$ROOT/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "typescript ok"

# The bin, as a user runs it after `npm install @clipkit/cli`.
npx --no-install clipkit --version
npx --no-install clipkit classify "$ROOT/examples/demo-assets/images/rocket.png" --labels "rocket,pizza,cat face" --templates emoji --top-k 1 2>/dev/null | tee classify.txt
grep -q "rocket" classify.txt
echo "pack-check: every package installs from its tarball and works from ESM, CJS, TypeScript and the bin"
