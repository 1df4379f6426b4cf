// `npm run test:examples`: the examples, written as a user would (importing "paradigm-client"), run against src/.
// The same names are mapped in tsconfig.json "paths"; test-dist/ runs the packed package itself.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  resolve: {
    alias: [
      { find: /^paradigm-client\/mock$/, replacement: src("mock/index.ts") },
      { find: /^paradigm-client\/handler$/, replacement: src("handler/index.ts") },
      { find: /^paradigm-client\/browser$/, replacement: src("browser/index.ts") },
      { find: /^paradigm-client$/, replacement: src("client/index.ts") },
    ],
  },
  test: { include: ["examples/**/*.test.ts"], testTimeout: 20_000 },
});
