import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: [
      { find: "@", replacement: path.resolve(import.meta.dirname) },
      // Server-only modules are tested in plain Node, which is the server; Next.js alone enforces the marker.
      { find: /^server-only$/, replacement: path.resolve(import.meta.dirname, "node_modules/server-only/empty.js") },
    ],
  },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/support/vitest-global-setup.ts"],
    testTimeout: 30_000,
    // The app's logger: JSON, and only what matters, so test output stays readable.
    env: { LOG_FORMAT: "json", LOG_LEVEL: "error" },
    hookTimeout: 60_000,
  },
});
