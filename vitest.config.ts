// Test tiers (vitest projects). `npm test` runs them all; each also has its own script:
//   types      npm run test:types      the type tests (*.test-d.ts), compiled only
//   unit       npm run test:unit       behaviour of src/ against the in-process Prism mock: the inner loop (+ unit-mocked)
//   pipeline   npm run test:pipeline   generate / spec:update / regenerated types, in scratch copies of the repo
//   load       npm run test:load       child processes (the CLI, SIGKILL and resume), long randomized runs, thousands of requests
//   reference  npm run test:reference  the Django REST framework reference server (test/reference-server/)
//   postgres   npm run test:postgres   paradigm-client/postgres against a throwaway PostgreSQL cluster (test/fixtures/postgres.ts)
import { defineConfig } from "vitest/config";

const PIPELINE = ["test/generate-*.test.ts", "test/spec-update.test.ts", "test/regenerate-types.test.ts", "test/docs.test.ts"];
// Child processes (the CLI, SIGKILL and restart), long randomized runs and thousands of requests.
const LOAD = [
  "test/outbox-model.test.ts",
  "test/properties.test.ts",
  "test/queue-load.test.ts",
  "test/queue-crash.test.ts",
  "test/queue-readme.test.ts",
  "test/cli.test.ts",
  "test/cli-import.test.ts",
  "test/cli-quit.test.ts",
  "test/logs-stderr.test.ts",
];

// Part of the unit tier (npm run test:unit runs both projects).
const MOCKED = ["test/request-prepare.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/*.test.ts"],
          exclude: [...PIPELINE, ...LOAD, ...MOCKED],
          // One module graph per worker: most of the tier's time was each file loading src/ again.
          isolate: false,
          // One Prism mock for the whole run, started in-process on loopback (test/global-setup.ts).
          globalSetup: ["test/global-setup.ts"],
        },
      },
      // Files that replace a module (vi.mock) run isolated, so the replacement never reaches another file.
      { extends: true, test: { name: "unit-mocked", include: MOCKED } },
      // The type tests (*.test-d.ts) are their own gate: compiled, never run.
      {
        extends: true,
        test: {
          name: "types",
          include: [],
          typecheck: { enabled: true, only: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
        },
      },
      { extends: true, test: { name: "pipeline", include: PIPELINE, testTimeout: 180_000 } },
      { extends: true, test: { name: "load", include: LOAD, globalSetup: ["test/global-setup.ts"], testTimeout: 120_000 } },
      {
        extends: true,
        test: {
          name: "reference",
          include: ["test/reference/**/*.test.ts"],
          globalSetup: ["test/reference/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: ["test/postgres/**/*.test.ts"],
          globalSetup: ["test/postgres/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
