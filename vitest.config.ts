import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One Prism mock for the whole run, started in-process on loopback (test/global-setup.ts).
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    typecheck: {
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
