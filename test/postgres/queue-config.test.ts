// What createPostgresQueue, enqueue and the migration refuse or accept: validation before anything is written, table
// names as SQL identifiers, the lease against the request timeout, an idempotent migration and its shipped file.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { ParadigmConfigError, ParadigmValidationError } from "../../src/core/errors.ts";
import { createPostgresQueue, migratePostgresQueue, postgresQueueSql } from "../../src/postgres/index.ts";
import { statusSql, tableNames } from "../../src/postgres/sql.ts";
import { freshTable, migrated, newPool } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());
const client = createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });

async function rowCount(table: string): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
  return rows[0].n;
}

describe("enqueue validation", () => {
  it("refuses NaN, a wrong path parameter type, a prebuilt body and a bad ref before writing anything", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(client, { pool, table });
    await expect(outbox.enqueue(1, "c", { value: Number.NaN })).rejects.toBeInstanceOf(ParadigmValidationError);
    await expect(outbox.enqueue("x" as unknown as number, "c", { flag: true })).rejects.toBeInstanceOf(ParadigmValidationError);
    await expect(outbox.enqueue(1, "c", { tag: "x".repeat(10_000) })).rejects.toBeInstanceOf(ParadigmValidationError);
    await expect(outbox.enqueue(1, "c", new FormData() as never)).rejects.toThrow(/plain object/);
    await expect(outbox.enqueue(1, "c", { flag: true }, { ref: Number.POSITIVE_INFINITY })).rejects.toThrow(/\$\.ref/);
    expect(await rowCount(table)).toBe(0);
    await outbox.enqueue(1, "c", { flag: true }, { ref: 1 });
    expect(await rowCount(table)).toBe(1);
  });

  it("refuses a NUL character (jsonb cannot store it) before the INSERT, so the caller's transaction stays usable", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(client, { pool, table });
    const db = await pool.connect();
    try {
      await db.query("BEGIN");
      await expect(outbox.enqueue(1, "c", { comment: "a\u0000b" }, { db })).rejects.toBeInstanceOf(ParadigmValidationError);
      await expect(outbox.enqueue(1, "c\u0000", { flag: true }, { db })).rejects.toBeInstanceOf(ParadigmValidationError);
      await expect(outbox.enqueue(1, "c", { flag: true }, { db, ref: "r\u0000" })).rejects.toThrow(/\$\.ref must not contain the NUL/);
      await outbox.enqueue(1, "c", { comment: "a backslash then u0000: \\u0000" }, { db }); // text, not a NUL; and the transaction was not aborted
      await db.query("COMMIT");
    } finally {
      db.release();
    }
    expect(await rowCount(table)).toBe(1);
  });

  it("refuses a lone surrogate (not well-formed UTF-16, which jsonb cannot store) before the INSERT, so the caller's transaction stays usable", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(client, { pool, table });
    const db = await pool.connect();
    try {
      await db.query("BEGIN");
      await expect(outbox.enqueue(1, "c", { comment: "half \ud83d" }, { db })).rejects.toThrow(/\$\.body must not contain a lone surrogate/);
      await expect(outbox.enqueue(1, "c\udc00", { flag: true }, { db })).rejects.toBeInstanceOf(ParadigmValidationError);
      await expect(outbox.enqueue(1, "c", { flag: true }, { db, ref: "a\udc00" })).rejects.toThrow(/\$\.ref must not contain a lone surrogate/);
      await outbox.enqueue(1, "c", { comment: "a whole pair: \ud83d\ude00" }, { db }); // well-formed; the transaction was not aborted
      await db.query("COMMIT");
    } finally {
      db.release();
    }
    expect(await rowCount(table)).toBe(1);
  });

  it("keeps path parameter and ref types through the table", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(client, { pool, table });
    await outbox.enqueue(5, "0042", { value: 1.5, comment: "é" }, { ref: "0007" });
    const { rows } = await pool.query(`SELECT path, feedback, ref, status, attempts FROM "${table}"`);
    expect(rows).toEqual([
      { path: { feedback_type_id: 5, completion_id: "0042" }, feedback: { value: 1.5, comment: "é" }, ref: "0007", status: "queued", attempts: 0 },
    ]);
  });
});

describe("options", () => {
  it.each(["x; DROP TABLE users", "1abc", "a.b.c", "", "a-b", 'x"y', "a".repeat(49), " t", "x_pause", "app.Outbox_PAUSE"])(
    "refuses the table name %j with ParadigmConfigError",
    (table) => {
      expect(() => createPostgresQueue(client, { pool, table })).toThrow(ParadigmConfigError);
      expect(() => postgresQueueSql({ table })).toThrow(ParadigmConfigError);
    },
  );

  it("retryFailed() refuses ids that are not decimal strings within bigint's range, before querying", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(client, { pool, table });
    for (const ids of [["99999999999999999999"], ["9223372036854775808"], ["-1"], ["1.5"], [""], [" 1"]])
      await expect(outbox.retryFailed({ ids })).rejects.toBeInstanceOf(ParadigmValidationError);
    expect(await outbox.retryFailed({ ids: ["9223372036854775807", "1"] })).toBe(0);
  });

  it("accepts a schema-qualified table and creates it there", async () => {
    const schema = freshTable();
    await pool.query(`CREATE SCHEMA "${schema}"`);
    const table = `${schema}.outbox`;
    await migratePostgresQueue(pool, { table });
    const outbox = createPostgresQueue(client, { pool, table });
    await outbox.enqueue(1, "c", { flag: true });
    expect(await outbox.counts()).toMatchObject({ queued: 1 });
    const { rows } = await pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema]);
    expect(rows.map((r) => r.table_name)).toEqual(["outbox", "outbox_pause"]);
  });

  it("refuses a lease that does not outlast the request timeout by a margin", () => {
    expect(() => createPostgresQueue(client, { pool, leaseMs: 30_000 })).toThrow(ParadigmConfigError); // the default timeout is 30 s
    expect(() => createPostgresQueue(client, { pool, leaseMs: 5_000, rateOptions: { timeoutMs: 1_000 } })).toThrow(/leaseMs \(5000\) must be at least/);
    expect(() => createPostgresQueue(client, { pool, leaseMs: 6_000, rateOptions: { timeoutMs: 1_000 } })).not.toThrow();
    expect(() => createPostgresQueue(client, { pool })).not.toThrow();
    expect(() => createPostgresQueue(client, { pool, leaseMs: Number.NaN })).toThrow(ParadigmConfigError);
  });

  it("refuses a missing pool and bad worker options", () => {
    expect(() => createPostgresQueue(client, {} as never)).toThrow(ParadigmConfigError);
    const outbox = createPostgresQueue(client, { pool, table: freshTable() });
    expect(() => outbox.work({ concurrency: 0 })).toThrow(ParadigmConfigError);
    expect(() => outbox.work({ pollMs: Number.NaN })).toThrow(ParadigmConfigError);
    expect(() => createPostgresQueue(client, { pool, onExpiredLease: "drop" as never })).toThrow(ParadigmConfigError);
  });

  it("a worker on a table that was never migrated stops with the database's error in done, never reporting it as one it waits out", async () => {
    const waitedOut: unknown[] = [];
    const outbox = createPostgresQueue(client, { pool, table: freshTable(), onDatabaseError: (e) => waitedOut.push(e) });
    const worker = outbox.work({ pollMs: 20 });
    await expect(worker.done).rejects.toMatchObject({ code: "42P01" });
    expect(waitedOut).toEqual([]);
  });

  it("a worker whose table is dropped while it runs stops with the reaper's error in done", async () => {
    const table = freshTable();
    await migratePostgresQueue(pool, { table });
    const waitedOut: unknown[] = [];
    const outbox = createPostgresQueue(client, { pool, table, onDatabaseError: (e) => waitedOut.push(e) });
    const worker = outbox.work({ pollMs: 60_000, reapEveryMs: 50 }); // idle: only the reaper queries the table
    await new Promise((r) => setTimeout(r, 200));
    await pool.query(`DROP TABLE "${table}"`);
    await expect(worker.done).rejects.toMatchObject({ code: "42P01" });
    expect(waitedOut).toEqual([]);
  });
});

describe("migration", () => {
  it("is idempotent, also when several processes run it at once, and keeps existing rows", async () => {
    const table = freshTable();
    await Promise.all([1, 2, 3, 4].map(() => migratePostgresQueue(pool, { table })));
    const outbox = createPostgresQueue(client, { pool, table });
    await outbox.enqueue(1, "kept", { flag: true });
    await migratePostgresQueue(pool, { table });
    expect(await rowCount(table)).toBe(1);
  });

  it("run again at a deploy while an app transaction holds an enqueue, takes no table lock: neither waits nor stalls the outbox", async () => {
    const table = freshTable();
    await migratePostgresQueue(pool, { table });
    const outbox = createPostgresQueue(client, { pool, table });
    const app = await pool.connect();
    const deploy = await pool.connect();
    try {
      await app.query("BEGIN");
      await outbox.enqueue(1, "open-transaction", { flag: true }, { db: app });
      // A lock the migration had to wait for would fail it here instead of queueing every enqueue and claim behind it.
      await deploy.query("SET lock_timeout = '500ms'");
      await expect(migratePostgresQueue(deploy, { table })).resolves.toBeUndefined();
      await app.query("COMMIT");
    } finally {
      await app.query("ROLLBACK").catch(() => undefined);
      app.release();
      deploy.release();
    }
    expect(await rowCount(table)).toBe(1);
  });

  it("upgrades a version 1 table (no claim column) in place, keeping its rows", async () => {
    const table = freshTable();
    await migratePostgresQueue(pool, { table });
    await pool.query(`ALTER TABLE "${table}" DROP COLUMN claim`); // what version 1 created
    await createPostgresQueue(client, { pool, table }).enqueue(1, "kept", { flag: true });
    await migratePostgresQueue(pool, { table });
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = $1 AND column_name = 'claim'", [table]);
    expect(rows[0].n).toBe(1);
    expect(await rowCount(table)).toBe(1);
  });

  it("the SQL file says to run it in one transaction, and 8 concurrent `psql -1 -f` runs of it all succeed", async () => {
    const shipped = readFileSync(new URL("../../sql/postgres-outbox.sql", import.meta.url), "utf8");
    expect(shipped).toMatch(/Run it in ONE transaction \(psql -1 -f FILE/);
    const table = freshTable();
    const file = join(mkdtempSync(join(tmpdir(), "pg-outbox-")), "outbox.sql");
    writeFileSync(file, postgresQueueSql({ table }));
    const run = () => promisify(execFile)("psql", [inject("pgUrl"), "-1", "-q", "-v", "ON_ERROR_STOP=1", "-f", file]);
    const results = await Promise.allSettled(Array.from({ length: 8 }, run));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ($1, $2)", [table, `${table}_pause`]);
    expect(rows[0].n).toBe(2);
  });

  it("ships sql/postgres-outbox.sql, equal to postgresQueueSql() (regenerate: paradigm-client postgres-migrate --print > sql/postgres-outbox.sql)", () => {
    expect(readFileSync(new URL("../../sql/postgres-outbox.sql", import.meta.url), "utf8")).toBe(postgresQueueSql());
  });

  it("postgresQueueSql({ table }) renames every object and nothing else", () => {
    const a = postgresQueueSql();
    const b = postgresQueueSql({ table: "other_box" });
    expect(b).toBe(a.replaceAll("paradigm_feedback_outbox", "other_box"));
  });

  it("the README's monitoring query is the one postgres-status runs, and it runs", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(statusSql(tableNames()));
    const table = await migrated(pool);
    const { rows } = await pool.query(statusSql(tableNames(table)));
    expect(rows).toEqual([{ queued: "0", in_flight: "0", delivered: "0", failed: "0", unknown: "0", oldest_queued_s: null, paused_s: null }]);
  });
});
