// npm run docs renders the two references users read: the API page (Redoc) and the TypeScript API (TypeDoc).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "docs-out");

it("renders every public library entry, opens on the README, and shows only tags that hold operations", { timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, ["scripts/docs.mjs"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status, r.stdout + r.stderr).toBe(0);

  // One TypeDoc module per library entry declared in tsdown.config.ts (the CLI is a command, not a module).
  for (const entry of ["client", "mock", "queue", "handler", "browser"]) expect(existsSync(join(OUT, "client", "modules", `${entry}.html`)), entry).toBe(true);
  const landing = readFileSync(join(OUT, "client", "index.html"), "utf8");
  expect(landing).toContain("Quick start");

  const spec = parse(readFileSync(join(ROOT, "generated", "openapi.yaml"), "utf8"));
  const used = new Set(Object.values(spec.paths).flatMap((item) => Object.values(item as object).flatMap((op: { tags?: string[] }) => op.tags ?? [])));
  const unused = (spec.tags as { name: string }[]).map((t) => t.name).filter((t) => !used.has(t));
  expect(unused.length).toBeGreaterThan(0); // today's document declares tags that no operation carries
  const page = readFileSync(join(OUT, "api.html"), "utf8");
  for (const tag of used) expect(page).toContain(tag);
  for (const tag of unused) expect(page, `tag ${tag} has no operation`).not.toContain(`"${tag}"`);
});
