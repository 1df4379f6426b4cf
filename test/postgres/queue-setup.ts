// Shared by the queue-*.test.ts files of the postgres tier: a pool on the tier's throwaway cluster, a fresh table per
// test (so files and tests never share rows), and a scripted loopback server that answers each request as told.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { inject } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, migratePostgresQueue, type PostgresPool, type PostgresQueueOptions } from "../../src/postgres/index.ts";

export function newPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: inject("pgUrl"), max });
}

export const freshTable = (): string => `t_${randomBytes(6).toString("hex")}`;

/** A migrated fresh table. */
export async function migrated(pool: pg.Pool): Promise<string> {
  const table = freshTable();
  await migratePostgresQueue(pool, { table });
  return table;
}

export interface Seen {
  key: string;
  at: number;
}

export interface ScriptedServer {
  url: string;
  /** Every request, in arrival order. */
  seen: Seen[];
  /** Requests per "type/completion". */
  count(key: string): number;
  close(): Promise<void>;
}

/** Answers the nth request for a key (0-based) with what `answer` returns: a status, headers, and an optional delay. */
export async function startScriptedServer(
  answer: (key: string, nth: number) => { status: number; headers?: Record<string, string>; delayMs?: number },
): Promise<ScriptedServer> {
  const seen: Seen[] = [];
  const per = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _ of req);
    const m = /^\/api\/v2\/rate\/([^/]+)\/([^/?]+)$/.exec(req.url ?? "");
    if (!m) return void res.writeHead(404).end();
    const key = `${decodeURIComponent(m[1] as string)}/${decodeURIComponent(m[2] as string)}`;
    const nth = per.get(key) ?? 0;
    per.set(key, nth + 1);
    seen.push({ key, at: Date.now() });
    const a = answer(key, nth);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    const body = a.status < 300 ? JSON.stringify({ display_value: true }) : JSON.stringify({ detail: `status ${a.status}` });
    res.writeHead(a.status, { "content-type": "application/json", ...a.headers }).end(body);
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    count: (key) => per.get(key) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `f` until it returns true (or fails the test after `ms`). */
export async function until(f: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `pool`, except that the first query matching `lose` runs (and commits) but its reply is lost, as on a dropped connection. */
export function losingOneReply(pool: pg.Pool, lose: (text: string, rows: number) => boolean): PostgresPool & { lost: number } {
  const p = {
    lost: 0,
    query: async (text: string, values?: unknown[]) => {
      const r = await pool.query(text, values);
      if (p.lost === 0 && lose(text, r.rows.length)) {
        p.lost++;
        throw new Error("Connection terminated unexpectedly");
      }
      return r;
    },
    connect: () => pool.connect() as never,
  };
  return p;
}

/** Ends the lease of a row in flight, as if its worker had hung or its VM paused: the next reap takes it. */
export async function expireLease(pool: pg.Pool, table: string, id: string): Promise<void> {
  await pool.query(`UPDATE "${table}" SET lease_until = now() - interval '1 second' WHERE id = $1`, [id]);
}

/**
 * One item whose request is still running (the server answers `status` after `delayMs`) when its lease ends and a
 * reap holds it (as after a GC pause or a frozen VM): the worker is still waiting for the answer.
 */
export async function reapedMidRequest(pool: pg.Pool, answer: { status: number; delayMs: number }, options: Omit<PostgresQueueOptions, "pool" | "table"> = {}) {
  const table = await migrated(pool);
  const server = await startScriptedServer(() => answer);
  const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { ...options, pool, table });
  const { id } = await outbox.enqueue(1, "slow", { flag: true });
  const worker = outbox.work({ pollMs: 20, reapEveryMs: 60_000 });
  await until(() => server.seen.length === 1, 5000, "the request");
  await expireLease(pool, table, id);
  const reaped = await outbox.reapExpired();
  if (reaped !== 1) throw new Error(`expected the reap to take the row, it took ${reaped}`);
  return { table, id, outbox, worker, server };
}
