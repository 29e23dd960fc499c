import { defineConfig } from "tsup";

export default defineConfig({
  // The preprocessing worker is its own entry: PreprocessPool starts it by URL next to index.js.
  entry: { index: "src/index.ts", "preprocess-worker": "src/image/preprocess-worker.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
