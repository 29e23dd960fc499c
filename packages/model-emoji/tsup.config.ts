import { defineConfig } from "tsup";

// ESM only: the model folder is located through import.meta.url.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
