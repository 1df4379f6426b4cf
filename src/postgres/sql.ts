// The outbox's SQL, in one place: the table names (checked as SQL identifiers, then quoted), the migration, and
// every statement the queue and its workers run. sql/postgres-outbox.sql is postgresQueueSql()'s output for the
// default table (a test keeps them equal), so there is one schema, whatever tool applies it.
import { createHash } from "node:crypto";
import { ParadigmConfigError } from "../core/errors.ts";

/** The table used when no `table` option is given. */
export const DEFAULT_TABLE = "paradigm_feedback_outbox";

// Unquoted-identifier characters only, so a name means the same quoted or not (case aside) and cannot inject.
// 48 leaves room for the "_pause" table and index suffixes within PostgreSQL's 63-byte identifiers.
const PART = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

export interface TableNames {
  /** As given: `table` or `schema.table`. */
  name: string;
  /** The outbox table, quoted (schema-qualified when given). */
  table: string;
  /** The pause table beside it: `<table>_pause`. */
  pause: string;
  /** Index names (unqualified: an index lives in its table's schema). */
  claimIndex: string;
  leaseIndex: string;
  heldIndex: string;
  /** The LISTEN/NOTIFY channel: a hash of the name, so any allowed name fits a channel's 63 bytes. */
  channel: string;
  /** The advisory lock key that serializes concurrent migrations of this table. */
  lockKey: string;
}

/** Checks and quotes a table name (`name` or `schema.name`). Throws ParadigmConfigError otherwise. */
export function tableNames(name: unknown = DEFAULT_TABLE): TableNames {
  const parts = typeof name === "string" ? name.split(".") : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => PART.test(p))) {
    throw new ParadigmConfigError(
      `table must be an SQL identifier, optionally schema-qualified (letters, digits and _, not starting with a digit, at most 48 characters each: "outbox" or "app.outbox"); got ${JSON.stringify(name)}`,
    );
  }
  // "x_pause" would be the pause table of an outbox named "x": two queues sharing one table.
  if (/_pause$/i.test(parts[parts.length - 1] as string))
    throw new ParadigmConfigError(`table must not end with "_pause" (the suffix of an outbox's pause table); got ${JSON.stringify(name)}`);
  const q = (p: string) => `"${p}"`;
  const base = parts[parts.length - 1] as string;
  const schema = parts.length === 2 ? `${q(parts[0] as string)}.` : "";
  return {
    name: name as string,
    table: schema + q(base),
    pause: schema + q(`${base}_pause`),
    claimIndex: q(`${base}_claim`),
    leaseIndex: q(`${base}_lease`),
    heldIndex: q(`${base}_held`),
    channel: `paradigm_outbox_${createHash("sha256")
      .update(name as string)
      .digest("hex")
      .slice(0, 16)}`,
    lockKey: `paradigm-client/postgres:${name as string}`,
  };
}

/**
 * The migration for `table` (default "paradigm_feedback_outbox"): the outbox table, its partial indexes and the
 * pause table. Idempotent (IF NOT EXISTS) and serialized by a transaction-level advisory lock, so concurrent runs
 * are safe when each runs in one transaction. It has no BEGIN/COMMIT of its own (so it can run inside a migration
 * tool's transaction, or a caller's): sent as one query, PostgreSQL runs it in one transaction; with psql, use -1
 * (statement by statement, the lock would end with its own statement).
 */
export function postgresQueueSql(options: { table?: string | undefined } = {}): string {
  const n = tableNames(options.table ?? DEFAULT_TABLE);
  return `-- paradigm-client/postgres: the feedback outbox for table ${n.name} (schema version 2).
-- Written by postgresQueueSql({ table: "${n.name}" }); \`paradigm-client postgres-migrate --print --table NAME\` prints it
-- for another name. Idempotent: running it again changes nothing. Run it in ONE transaction (psql -1 -f FILE, or your
-- migration tool's): the advisory lock below lasts to the transaction's end, so only then are concurrent runs safe.
SELECT pg_advisory_xact_lock(hashtext('${n.lockKey}'));

CREATE TABLE IF NOT EXISTS ${n.table} (
  id              bigserial   PRIMARY KEY,
  path            jsonb       NOT NULL, -- the rate path parameters: {"feedback_type_id": …, "completion_id": …}
  feedback        jsonb       NOT NULL, -- the request body, as enqueued (validated then)
  ref             jsonb,                -- the caller's key for the item (string or number), if given
  status          text        NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'in_flight', 'delivered', 'failed', 'unknown')),
  attempts        integer     NOT NULL DEFAULT 0,     -- in the current round (retryFailed() starts a new one)
  maybe_delivered boolean     NOT NULL DEFAULT false, -- an earlier attempt may have been logged
  available_at    timestamptz NOT NULL DEFAULT now(), -- not claimed before (a retry's backoff)
  lease_until     timestamptz,                        -- in_flight: the claim ends then (see reapExpired())
  worker          text,                               -- the worker that claimed it last
  claim           text,                               -- that claim's token: every settle is keyed on it
  error           jsonb,                              -- the last failure: {name, message, status, deliveryUnknown}
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
-- Each step runs only when what it adds is missing (version 1 tables lack the claim column): on an up-to-date table
-- the migration takes no table lock. ALTER TABLE and CREATE INDEX lock it even with IF NOT EXISTS, waiting for every
-- open transaction that enqueued, while every new enqueue and claim waits behind them.
DO $migrate$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${n.table}') AND attname = 'claim' AND NOT attisdropped) THEN
    ALTER TABLE ${n.table} ADD COLUMN claim text;
  END IF;
  IF NOT EXISTS (${indexExists(n, n.claimIndex)}) THEN
    CREATE INDEX ${n.claimIndex} ON ${n.table} (available_at, id) WHERE status = 'queued';
  END IF;
  IF NOT EXISTS (${indexExists(n, n.leaseIndex)}) THEN
    CREATE INDEX ${n.leaseIndex} ON ${n.table} (lease_until) WHERE status = 'in_flight';
  END IF;
  IF NOT EXISTS (${indexExists(n, n.heldIndex)}) THEN
    CREATE INDEX ${n.heldIndex} ON ${n.table} (id) WHERE status IN ('failed', 'unknown');
  END IF;
END
$migrate$;

-- The queue-wide pause: a server's Retry-After, read by every worker's claim.
CREATE TABLE IF NOT EXISTS ${n.pause} (
  id    boolean     PRIMARY KEY DEFAULT true CHECK (id),
  until timestamptz NOT NULL
);
`;
}

/** A query for the table's index named `quoted` (names are checked identifiers: no quote can break the literal). */
const indexExists = (n: TableNames, quoted: string) =>
  `SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass('${n.table}') AND i.relname = '${quoted.slice(1, -1)}'`;

/** The monitoring query (README's, and `paradigm-client postgres-status`'s): one row. */
export function statusSql(n: TableNames): string {
  return `SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
       count(*) FILTER (WHERE status = 'in_flight') AS in_flight,
       count(*) FILTER (WHERE status = 'delivered') AS delivered,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'unknown') AS unknown,
       extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued')) AS oldest_queued_s,
       (SELECT greatest(0, extract(epoch FROM until - now())) FROM ${n.pause}) AS paused_s
FROM ${n.table}`;
}

/** Statements of the queue and its workers, for one table. `$n` parameters are documented per statement. */
export function statements(n: TableNames) {
  const T = n.table;
  return {
    // $1 path, $2 feedback, $3 ref (jsonb text), $4 channel. The notify is delivered on commit, never on rollback.
    enqueue: `WITH i AS (INSERT INTO ${T} (path, feedback, ref) VALUES ($1::jsonb, $2::jsonb, $3::jsonb) RETURNING id)
SELECT i.id::text AS id, pg_notify($4, '') FROM i`,
    // $1 limit, $2 worker, $3 lease ms, $4 the claim's token. Nothing is claimed while the queue-wide pause lasts.
    claim: `WITH c AS (
  SELECT id FROM ${T}
  WHERE status = 'queued' AND available_at <= now()
    AND NOT EXISTS (SELECT 1 FROM ${n.pause} WHERE until > now())
  ORDER BY available_at, id
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE ${T} t SET status = 'in_flight', worker = $2, claim = $4, lease_until = clock_timestamp() + $3::float8 * interval '1 millisecond',
  attempts = t.attempts + 1, updated_at = now()
FROM c WHERE t.id = c.id
RETURNING t.id::text AS id, t.path, t.feedback, t.ref, t.attempts, t.maybe_delivered`,
    // $1 claim tokens whose reply was lost (the claim may have committed): their rows, never started here, go back to
    // queued, and the claim does not count as an attempt. Keyed on the tokens, so no request in flight is touched.
    requeueLost: `UPDATE ${T} SET status = 'queued', attempts = greatest(attempts - 1, 0), lease_until = NULL, updated_at = now()
WHERE status = 'in_flight' AND claim = ANY($1::text[])`,
    // What an idle worker waits for: the pause's end (ms, or null), and the next queued row's (ms, or null when none:
    // greatest() skips nulls, so the null is kept by filtering, not by greatest).
    nextDue: `SELECT (SELECT greatest(0, extract(epoch FROM until - clock_timestamp()) * 1000)::float8 FROM ${n.pause}) AS pause_ms,
  (SELECT greatest(0, extract(epoch FROM m - clock_timestamp()) * 1000)::float8
   FROM (SELECT min(available_at) AS m FROM ${T} WHERE status = 'queued') q WHERE m IS NOT NULL) AS due_ms`,
    // Settling touches only the claim it settles (its token): a row reaped meanwhile is never overwritten, and a settle
    // retried after its reply was lost never lands on a later claim of the same row.
    // $1 id, $2 claim token
    // A late success also records the truth on this claim's row reaped meanwhile (LeaseExpired: unknown, or queued
    // again by "resend" and not yet claimed), so it is neither held as unknown nor resent.
    // Each settle also matches the row its own earlier try already settled (same claim, same outcome): a retry after
    // a reply lost past the commit still reports the outcome, so its hook runs once, not never.
    delivered: `UPDATE ${T} SET status = 'delivered', delivered_at = coalesce(delivered_at, now()), updated_at = now(), lease_until = NULL, error = NULL
WHERE id = $1 AND claim = $2
  AND (status IN ('in_flight', 'delivered') OR (status IN ('unknown', 'queued') AND error->>'name' = 'LeaseExpired'))`,
    // $1 id, $2 claim token, $3 delay ms, $4 error, $5 maybe delivered, $6 channel. Back to queued, and the pause
    // extended (never shortened) for every worker, in one statement.
    retry: `WITH r AS (
  UPDATE ${T} SET status = 'queued', available_at = CASE WHEN status = 'in_flight' THEN clock_timestamp() + $3::float8 * interval '1 millisecond' ELSE available_at END,
    lease_until = NULL, error = $4::jsonb, maybe_delivered = maybe_delivered OR $5, updated_at = now()
  WHERE id = $1 AND claim = $2 AND (status = 'in_flight' OR (status = 'queued' AND error = $4::jsonb)) RETURNING id
), p AS (
  INSERT INTO ${n.pause} AS p (id, until) VALUES (true, clock_timestamp() + $3::float8 * interval '1 millisecond')
  ON CONFLICT (id) DO UPDATE SET until = greatest(p.until, EXCLUDED.until)
)
SELECT n, CASE WHEN n > 0 THEN pg_notify($6, '') END FROM (SELECT count(*)::int AS n FROM r) s`,
    // $1 id, $2 claim token, $3 status ('failed' | 'unknown'), $4 error
    held: `UPDATE ${T} SET status = $3, error = $4::jsonb, lease_until = NULL, updated_at = now()
WHERE id = $1 AND claim = $2 AND (status = 'in_flight' OR (status = $3 AND error = $4::jsonb))`,
    // Held as unknown: the worker may have sent it before it died.
    reapHold: `UPDATE ${T} SET status = 'unknown', lease_until = NULL, updated_at = now(), maybe_delivered = true,
  error = jsonb_build_object('name', 'LeaseExpired', 'message',
    'The lease of worker ' || coalesce(worker, '?') || ' ended with this item in flight (the worker stopped, crashed, or could not record the outcome): the server may or may not have logged it.',
    'deliveryUnknown', true)
WHERE status = 'in_flight' AND lease_until < clock_timestamp()
RETURNING id::text AS id, path, feedback, ref, attempts, error`,
    // $1 channel. Resent: at least once.
    reapResend: `WITH r AS (
  UPDATE ${T} SET status = 'queued', lease_until = NULL, available_at = now(), updated_at = now(), maybe_delivered = true,
    error = jsonb_build_object('name', 'LeaseExpired', 'message', 'The lease of worker ' || coalesce(worker, '?') || ' ended with this item in flight: resent.', 'deliveryUnknown', true)
  WHERE status = 'in_flight' AND lease_until < clock_timestamp() RETURNING id
)
SELECT n, CASE WHEN n > 0 THEN pg_notify($1, '') END FROM (SELECT count(*)::int AS n FROM r) s`,
    counts: `SELECT status, count(*)::int AS n FROM ${T} GROUP BY status`,
    // $1 limit. Ordered by t.id, the bigint: a bare "id" would name the text alias ("10" before "2").
    failed: `SELECT t.id::text AS id, path, feedback, ref, status, attempts, error FROM ${T} t
WHERE status IN ('failed', 'unknown') ORDER BY t.id LIMIT $1`,
    // $1 statuses (text[]), $2 ids (bigint[] or null), $3 channel
    retryFailed: `WITH r AS (
  UPDATE ${T} SET status = 'queued', attempts = 0, available_at = now(), updated_at = now(), lease_until = NULL,
    maybe_delivered = maybe_delivered OR status = 'unknown'
  WHERE status = ANY($1::text[]) AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) RETURNING id
)
SELECT n, CASE WHEN n > 0 THEN pg_notify($3, '') END FROM (SELECT count(*)::int AS n FROM r) s`,
    // Two EXISTS, one per partial index (claim, lease): "status IN (…)" matches neither, and scans every delivered row.
    busy: `SELECT EXISTS (SELECT 1 FROM ${T} WHERE status = 'queued') OR EXISTS (SELECT 1 FROM ${T} WHERE status = 'in_flight') AS busy`,
    listen: `LISTEN "${n.channel}"`,
    unlisten: `UNLISTEN "${n.channel}"`,
  };
}
