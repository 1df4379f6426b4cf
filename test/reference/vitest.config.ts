// The reference tier: the client against a Django REST framework 3.14 + drf-spectacular 0.25 server
// (test/reference-server/), one server per test file, reset between tests.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/reference/**/*.test.ts"],
    globalSetup: ["test/reference/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
