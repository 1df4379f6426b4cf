// `paradigm-client postgres-migrate` and `postgres-status`: the outbox's schema and counts from the command line.
// pg is an optional peer: loaded here with a dynamic import, only for these commands. The connection comes from
// DATABASE_URL, else pg's own PG* variables (PGHOST, PGUSER, PGPASSWORD…); its password is never printed.
import { redactUrl } from "../client/options.ts";
import { ParadigmConfigError } from "../core/errors.ts";
import { migratePostgresQueue, type PostgresQueryable } from "../postgres/index.ts";
import { DEFAULT_TABLE, postgresQueueSql, statusSql, tableNames } from "../postgres/sql.ts";

// The shape of src/cli/index.ts's option tables, which list these commands too.
type Opt = { type: "string" | "boolean"; short?: string; arg?: string; help: string; multiple?: boolean };

const TABLE: Opt = { type: "string", arg: "NAME", help: `outbox table, NAME or SCHEMA.NAME (default ${DEFAULT_TABLE})` };
const CONNECTION =
  "Connects with DATABASE_URL when set, else with PostgreSQL's PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,\nPGDATABASE). Needs the pg package (npm install pg).";

export const POSTGRES_COMMANDS = {
  "postgres-migrate": {
    summary: "create the PostgreSQL outbox tables of paradigm-client/postgres (idempotent)",
    usage: "paradigm-client postgres-migrate [--table NAME] [--print] [--json]",
    about: `Creates the outbox table, its indexes and its pause table if missing; running it again changes nothing.\n--print writes the SQL to stdout instead (for your own migration tool), without connecting.\n${CONNECTION}`,
    options: (): Record<string, Opt> => ({ table: TABLE, print: { type: "boolean", help: "print the migration SQL and exit (no connection)" } }),
  },
  "postgres-status": {
    summary: "counts of the PostgreSQL outbox: queued, in flight, delivered, failed, unknown",
    usage: "paradigm-client postgres-status [--table NAME] [--json]",
    about: `Prints the outbox's rows per status, the oldest queued item's age and the queue-wide pause left.\n${CONNECTION}`,
    options: (): Record<string, Opt> => ({ table: TABLE }),
  },
} as const;
export type PostgresCommand = keyof typeof POSTGRES_COMMANDS;

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

interface PgClient extends PostgresQueryable {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/** What describeTarget() shows for a DATABASE_URL that is not a URL: it may hold a password anywhere. */
export const UNPARSED_TARGET = "DATABASE_URL (not a URL: not shown)";

/**
 * The target, for messages: DATABASE_URL's scheme, user, host, port and database only (never its password, nor its
 * query string, where ?password= and sslpassword= may sit), or what the PG* variables name.
 */
export function describeTarget(env: Record<string, string | undefined>): string {
  if (env.DATABASE_URL) {
    const u = parseUrl(env.DATABASE_URL);
    if (!u) return UNPARSED_TARGET;
    return `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  }
  return `${env.PGHOST ?? "localhost"}:${env.PGPORT ?? "5432"}/${env.PGDATABASE ?? env.PGUSER ?? "(default database)"} (PG* variables)`;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A message from pg, with any URL's credentials and every password DATABASE_URL or PGPASSWORD hold hidden. */
function clean(message: string, env: Record<string, string | undefined>): string {
  let m = redactUrl(message);
  for (const secret of [env.PGPASSWORD, ...secretsOf(env.DATABASE_URL)]) if (secret) m = m.replaceAll(secret, "***");
  return m;
}

/** DATABASE_URL's password and its query string's values; all of it when it is not a URL. */
function secretsOf(text: string | undefined): string[] {
  if (!text) return [];
  const u = parseUrl(text);
  if (!u) return [text, ...[...text.matchAll(/password\s*=\s*'?([^\s']+)/gi)].map((m) => m[1] as string)];
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  return [u.password, decode(u.password), u.search.slice(1), ...[...u.searchParams.values()].filter((v) => v.length >= 3)].filter((v) => v !== "");
}

async function connect(io: Io): Promise<PgClient> {
  let pg: { Client: new (config: object) => PgClient };
  try {
    const mod = (await import("pg")) as { default?: typeof pg } & typeof pg;
    pg = mod.default ?? mod;
  } catch {
    throw new ParadigmConfigError("these commands need the pg package: npm install pg");
  }
  let db: PgClient;
  try {
    db = new pg.Client(io.env.DATABASE_URL ? { connectionString: io.env.DATABASE_URL } : {});
  } catch (e) {
    // pg parses DATABASE_URL here (a bad port, say): a config error, exit 3, not a crash with a stack trace.
    throw new ParadigmConfigError(
      `DATABASE_URL is not a usable connection URL (${clean((e as Error)?.message ?? String(e), io.env)}; not shown): expected postgres://USER:PASSWORD@HOST:PORT/DATABASE, a port from 1 to 65535.`,
    );
  }
  try {
    await db.connect();
  } catch (e) {
    await db.end().catch(() => undefined);
    throw new ParadigmConfigError(`could not connect to PostgreSQL at ${describeTarget(io.env)}: ${clean((e as Error)?.message ?? String(e), io.env)}`);
  }
  return db;
}

/**
 * What to do about a database error that is the caller's setup, by SQLSTATE (never by message text, which the
 * server's lc_messages translates); undefined for anything else.
 */
function configHint(code: unknown, command: PostgresCommand, table: string): string | undefined {
  switch (code) {
    case "3F000": // invalid_schema_name
      return `create the schema first (CREATE SCHEMA ${table.split(".")[0]}), then run postgres-migrate`;
    case "42P01": // undefined_table
      return `create the outbox first: paradigm-client postgres-migrate --table ${table}`;
    case "42703": // undefined_column
      return `${table} is not a paradigm-client outbox (a table of that name exists with other columns): pick another --table`;
    case "42501": // insufficient_privilege
      return command === "postgres-migrate"
        ? "this role may not create the tables there: run postgres-migrate as a role that may (or grant CREATE on the schema)"
        : `this role may not read ${table}: grant it SELECT on the table and its _pause table`;
    default:
      return undefined;
  }
}

/** Runs a postgres-* command with parsed flags; resolves with an exit code. ParadigmConfigError means exit 3 (caller's). */
export async function runPostgresCommand(
  command: PostgresCommand,
  values: Record<string, unknown>,
  io: Io,
  codes: { ok: number; error: number },
): Promise<number> {
  const table = (values.table as string | undefined) ?? DEFAULT_TABLE;
  const names = tableNames(table); // ParadigmConfigError for a bad name, before connecting
  if (command === "postgres-migrate" && values.print === true) {
    io.stdout(postgresQueueSql({ table }));
    return codes.ok;
  }
  const db = await connect(io);
  try {
    if (command === "postgres-migrate") {
      await migratePostgresQueue(db, { table });
      io.stderr(`postgres-migrate: ${table} is ready at ${describeTarget(io.env)} (created, or already there)\n`);
      if (values.json === true) io.stdout(`${JSON.stringify({ table, migrated: true })}\n`);
      return codes.ok;
    }
    const { rows } = await db.query(statusSql(names));
    const r = rows[0] ?? {};
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    const status = {
      table,
      queued: Number(r.queued),
      inFlight: Number(r.in_flight),
      delivered: Number(r.delivered),
      failed: Number(r.failed),
      unknown: Number(r.unknown),
      oldestQueuedSeconds: num(r.oldest_queued_s),
      pausedSeconds: num(r.paused_s),
    };
    if (values.json === true) io.stdout(`${JSON.stringify(status)}\n`);
    else {
      const lines = [
        `${table}: ${status.queued} queued, ${status.inFlight} in flight, ${status.delivered} delivered, ${status.failed} failed, ${status.unknown} unknown`,
      ];
      if (status.oldestQueuedSeconds !== null) lines.push(`oldest queued: ${status.oldestQueuedSeconds.toFixed(1)} s`);
      if (status.pausedSeconds) lines.push(`paused (Retry-After): ${status.pausedSeconds.toFixed(1)} s left`);
      io.stdout(`${lines.join("\n")}\n`);
    }
    return codes.ok;
  } catch (e) {
    const message = clean((e as Error)?.message ?? String(e), io.env);
    const hint = configHint((e as { code?: unknown })?.code, command, table);
    // The caller's setup (schema, table, privileges), not a bug: exit 3 with what to do.
    if (hint) throw new ParadigmConfigError(`${command}: ${message}: ${hint}`);
    io.stderr(`paradigm-client ${command}: ${message}\n`);
    return codes.error;
  } finally {
    await db.end().catch(() => undefined);
  }
}
