import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/runtimes/**", "test/stress/**", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Socket and timing tests share 2 cores; keep file parallelism modest.
    maxWorkers: 2,
    setupFiles: ["test/setup.ts"],
  },
});
