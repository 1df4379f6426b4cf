// Runs in a scratch consumer project with the packed tarball and pg installed: the README's PostgreSQL outbox flow,
// end to end. DATABASE_URL points at a throwaway cluster; the "API" is a loopback server that counts what it gets.
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { createParadigmClient } from "paradigm-client";
import { createPostgresQueue } from "paradigm-client/postgres";
import pg from "pg";

const paths = [];
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    paths.push(req.url);
    const body = JSON.stringify({ display_value: true });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

// The installed bin, as the README runs it; nothing below creates the table, so the enqueues prove it ran.
const migrate = spawnSync("npx", ["--no-install", "paradigm-client", "postgres-migrate", "--json"], { encoding: "utf8", env: process.env });
if (migrate.status !== 0) throw new Error(`postgres-migrate exited ${migrate.status}:\n${migrate.stdout}${migrate.stderr}`);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
pool.on("error", (error) => console.error(`pg pool: ${error.message}`));
const client = createParadigmClient({ apiKey: "sk-test-dist", baseUrl: `http://127.0.0.1:${server.address().port}` });
const outbox = createPostgresQueue(client, { pool });

async function inTransaction(prefix, n, end) {
  const db = await pool.connect();
  try {
    await db.query("BEGIN");
    for (let i = 0; i < n; i++) await outbox.enqueue(3, `${prefix}-${i}`, { flag: i % 2 === 0 }, { db });
    await db.query(end);
  } finally {
    db.release();
  }
}
await inTransaction("committed", 50, "COMMIT");
await inTransaction("rolled-back", 5, "ROLLBACK");

const worker = outbox.work({ concurrency: 4 });
await outbox.drained({ signal: AbortSignal.timeout(60_000) });
await worker.stop();
await worker.done;
const counts = await outbox.counts();
await pool.end();
server.close();
console.log(
  JSON.stringify({
    migrate: JSON.parse(migrate.stdout.trim().split("\n").at(-1) || "null"),
    counts,
    requests: paths.length,
    distinct: new Set(paths).size,
    rolledBackSent: paths.filter((p) => p.includes("rolled-back")).length,
  }),
);
