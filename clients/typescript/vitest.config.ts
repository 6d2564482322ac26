import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/server.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
