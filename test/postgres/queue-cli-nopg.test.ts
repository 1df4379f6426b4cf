// Without the pg package (an optional peer), the postgres-* commands say what to install and exit 3; --print needs no pg.
import { expect, it, vi } from "vitest";
import { runMain } from "../fixtures/spawn-cli.ts";

vi.mock("pg", () => {
  throw Object.assign(new Error("Cannot find package 'pg'"), { code: "ERR_MODULE_NOT_FOUND" });
});

it("postgres-migrate and postgres-status without pg: exit 3, naming `npm install pg`; --print still works", async () => {
  for (const command of ["postgres-migrate", "postgres-status"]) {
    const r = await runMain([command], { DATABASE_URL: "postgres://u:pw@127.0.0.1:1/db" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/need the pg package: npm install pg/);
    expect(r.stdout).toBe("");
  }
  expect((await runMain(["postgres-migrate", "--print"], {})).code).toBe(0);
});
