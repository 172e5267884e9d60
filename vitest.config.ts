import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share servers started by scripts/services.sh; keep files in parallel
    // but bounded: the machine has two cores.
    maxWorkers: 2,
    globalSetup: ["tests/global-setup.ts"],
  },
});
