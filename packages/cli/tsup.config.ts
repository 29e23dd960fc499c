import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library entry (`runCli`, the `Command` seam) for code that embeds or extends the CLI.
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
  },
  {
    // The `clipkit` bin: ESM; tsup keeps the shebang of src/bin.ts and marks the file executable.
    entry: { bin: "src/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
]);
