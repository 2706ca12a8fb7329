import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["gateway/**/*.test.ts", "loadtest/**/*.test.ts", "tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core machines: integration tests start real servers; keep parallelism modest.
    maxWorkers: 2,
    pool: "forks",
  },
});
