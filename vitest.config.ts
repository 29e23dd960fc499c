import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests run against sources: each package's exports map has an "@clipkit/source" condition.
    conditions: ["@clipkit/source"],
  },
  // Tests run in Vite's SSR environment, which takes its conditions from here, not from `resolve`.
  ssr: { resolve: { conditions: ["@clipkit/source"], externalConditions: ["@clipkit/source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "examples/**/*.test.ts",
      "tools/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
