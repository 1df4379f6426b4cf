-- paradigm-client/postgres: the feedback outbox for table paradigm_feedback_outbox (schema version 2).
-- Written by postgresQueueSql({ table: "paradigm_feedback_outbox" }); `paradigm-client postgres-migrate --print --table NAME` prints it
-- for another name. Idempotent: running it again changes nothing. Run it in ONE transaction (psql -1 -f FILE, or your
-- migration tool's): the advisory lock below lasts to the transaction's end, so only then are concurrent runs safe.
SELECT pg_advisory_xact_lock(hashtext('paradigm-client/postgres:paradigm_feedback_outbox'));

CREATE TABLE IF NOT EXISTS "paradigm_feedback_outbox" (
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
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('"paradigm_feedback_outbox"') AND attname = 'claim' AND NOT attisdropped) THEN
    ALTER TABLE "paradigm_feedback_outbox" ADD COLUMN claim text;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass('"paradigm_feedback_outbox"') AND i.relname = 'paradigm_feedback_outbox_claim') THEN
    CREATE INDEX "paradigm_feedback_outbox_claim" ON "paradigm_feedback_outbox" (available_at, id) WHERE status = 'queued';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass('"paradigm_feedback_outbox"') AND i.relname = 'paradigm_feedback_outbox_lease') THEN
    CREATE INDEX "paradigm_feedback_outbox_lease" ON "paradigm_feedback_outbox" (lease_until) WHERE status = 'in_flight';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass('"paradigm_feedback_outbox"') AND i.relname = 'paradigm_feedback_outbox_held') THEN
    CREATE INDEX "paradigm_feedback_outbox_held" ON "paradigm_feedback_outbox" (id) WHERE status IN ('failed', 'unknown');
  END IF;
END
$migrate$;

-- The queue-wide pause: a server's Retry-After, read by every worker's claim.
CREATE TABLE IF NOT EXISTS "paradigm_feedback_outbox_pause" (
  id    boolean     PRIMARY KEY DEFAULT true CHECK (id),
  until timestamptz NOT NULL
);
