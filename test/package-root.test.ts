// Files shipped beside the code are found from src/<entry>/ (a clone) and from dist/ (the installed package) alike.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { packageFile } from "../src/core/package-root.ts";
import { defaultSpecPath } from "../src/mock/index.ts";

const ROOT = join(import.meta.dirname, "..");

it.each(["src/mock/index.ts", "dist/mock.mjs", "dist/deep/chunk.mjs"])("finds generated/openapi.yaml from %s", (from) => {
  expect(packageFile("generated/openapi.yaml", pathToFileURL(join(ROOT, from)).href)).toBe(join(ROOT, "generated", "openapi.yaml"));
});

it("gives the mock a spec path that exists", () => {
  expect(existsSync(defaultSpecPath())).toBe(true);
});
