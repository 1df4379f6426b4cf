// How the postgres-* commands name their database: scheme, user, host, port and database only. A DATABASE_URL's
// password, its query string (?password=, sslpassword=…) and a string that is not a URL are never printed.
import { describe, expect, inject, it } from "vitest";
import { describeTarget } from "../../src/cli/postgres.ts";
import { runMain } from "../fixtures/spawn-cli.ts";
import { freshTable } from "./queue-setup.ts";

const SECRET = "s3cret-Zq9";

describe("describeTarget", () => {
  it("shows scheme, user, host, port and database, never the password or the query string", () => {
    expect(describeTarget({ DATABASE_URL: `postgres://app:${SECRET}@db.internal:6432/app?password=${SECRET}&sslpassword=${SECRET}` })).toBe(
      "postgres://app@db.internal:6432/app",
    );
    expect(describeTarget({ DATABASE_URL: `postgresql://db.internal/app?sslpassword=${SECRET}` })).toBe("postgresql://db.internal/app");
  });

  it("shows a fixed placeholder for a DATABASE_URL that is not a URL", () => {
    const shown = describeTarget({ DATABASE_URL: `host=db user=app password=${SECRET}` });
    expect(shown).not.toContain(SECRET);
    expect(shown).toBe("DATABASE_URL (not a URL: not shown)");
  });
});

describe("postgres-* commands", () => {
  it("a failed connection names the target without the query string's passwords (exit 3)", async () => {
    for (const url of [`postgres://app@127.0.0.1:1/app?password=${SECRET}`, `postgres://app@127.0.0.1:1/app?sslpassword=${SECRET}&sslmode=disable`]) {
      const r = await runMain(["postgres-status"], { DATABASE_URL: url });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("could not connect to PostgreSQL at postgres://app@127.0.0.1:1/app:");
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    }
  });

  it("a DATABASE_URL that is not a URL is never echoed (exit 3)", async () => {
    const r = await runMain(["postgres-status"], { DATABASE_URL: `host=127.0.0.1 port=1 password=${SECRET}` });
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it("a successful migration names the target without the query string", async () => {
    const url = new URL(inject("pgUrl"));
    url.searchParams.set("password", SECRET);
    const table = freshTable();
    const r = await runMain(["postgres-migrate", "--table", table], { DATABASE_URL: url.href });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${table} is ready at ${url.protocol}//`);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it("a DATABASE_URL with a bad port is exit 3 with a clear message and no stack trace", async () => {
    const r = await runMain(["postgres-status"], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:99999/app` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/DATABASE_URL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
});
