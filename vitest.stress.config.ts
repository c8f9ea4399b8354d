import { defineConfig } from "vitest/config";

// The stress, fault and bad-input suite (npm run test:stress). Bounded: CI runs it as is.
export default defineConfig({
  test: {
    include: ["test/stress/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    maxWorkers: 1,
    setupFiles: ["test/setup.ts"],
  },
});
