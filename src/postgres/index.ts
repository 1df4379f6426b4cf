// The `paradigm-client/postgres` entry: the delivery queue as a transactional outbox in PostgreSQL, shared by any
// number of worker processes. The main entry never imports it, and nothing here imports `pg` (an optional peer):
// the pool and the caller's transaction are structural types that pg's Pool and PoolClient satisfy.
//
// Same semantics as createFeedbackQueue: validated at enqueue (the spec's validator, as rate()); failures that
// prove nothing was logged (src/core/delivery.ts's "safe") are retried and pause every worker; an unknown delivery
// is held, never resent unless asked. This file is the entry's public surface. The units behind it: sql.ts (names,
// the migration, every statement), queue.ts (enqueue and operations), worker.ts (claiming, delivery, settlement).
import type { FeedbackInput, ParadigmClient, RateOptions, RatePathParams, RateResult } from "../client/client.ts";
import type { ParadigmError } from "../core/errors.ts";
import { PostgresQueue } from "./queue.ts";
import { DEFAULT_TABLE, postgresQueueSql, tableNames } from "./sql.ts";

export { postgresQueueSql };

type FeedbackTypeId = RatePathParams["feedback_type_id"];
type CompletionId = RatePathParams["completion_id"];

/** What the queue needs of a connection or a transaction: pg's Client and PoolClient fit. */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount?: number | null }>;
}

/** A connection a worker holds to LISTEN for new items (pg's PoolClient). */
export interface PostgresListenClient extends PostgresQueryable {
  on(event: "notification", listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  /** Removes a listener before release() (pg's clients are EventEmitters). Optional: without it, listeners stay. */
  removeListener?(event: "notification", listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  removeListener?(event: "error", listener: (error: Error) => void): unknown;
  release(error?: Error | boolean): void;
}

/** A pool (pg's Pool): queries, plus one held connection per worker for LISTEN. */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresListenClient>;
}

/** An item as the outbox holds it. */
export interface PostgresFeedback {
  /** The row's id (bigserial, as a string). */
  readonly id: string;
  readonly feedbackTypeId: FeedbackTypeId;
  readonly completionId: CompletionId;
  readonly feedback: FeedbackInput;
  /** The caller's key for the item, if given to enqueue(). */
  readonly ref: string | number | undefined;
  /** Attempts made in the current round (retryFailed() starts a new one). */
  readonly attempts: number;
}

/** A failure as the outbox stores it: readable from any process. */
export interface PostgresStoredError {
  /** The error's class name (e.g. "RateLimitError", "ParadigmTimeoutError"), or "LeaseExpired" for a crashed worker's item. */
  name: string;
  message: string;
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  /** True when the server may have logged it: retrying may log it twice. */
  deliveryUnknown: boolean;
}

export interface PostgresFailedFeedback extends PostgresFeedback {
  error: PostgresStoredError;
  /** Status "unknown": the server may have logged it. */
  deliveryUnknown: boolean;
}

export interface PostgresQueueCounts {
  queued: number;
  inFlight: number;
  /** Delivered rows still in the table (see the README's cleanup query). */
  delivered: number;
  /** Held after a definitive failure (the server did not log them). */
  failed: number;
  /** Held with delivery unknown (timeout after sending, 500/502/504, reset, a worker's lease ended). */
  unknown: number;
}

export interface PostgresQueueOptions {
  /** The pool the queue and its workers use (pg's Pool). Required. */
  pool: PostgresPool;
  /**
   * The outbox table, `name` or `schema.name` (letters, digits, _); its pause table is `<name>_pause`. Quoted as
   * given, so case matters; a name ending in `_pause` is refused. Spell it the same in every process: the NOTIFY
   * channel comes from the name as given (`public.x` and `x` wake different workers). Create both with
   * migratePostgresQueue() or sql/postgres-outbox.sql.
   * @default "paradigm_feedback_outbox"
   */
  table?: string | undefined;
  /**
   * Safe retries per item (429, 408, 503 with Retry-After, connection refused) before it is held as failed.
   * @default 10
   */
  maxRetries?: number | undefined;
  /**
   * Cap on a pause: the server's Retry-After, or the backoff (0.5 s, 1 s, 2 s … 8 s, with jitter) when it sent none.
   * A pause never exceeds 2^31-1 ms (24.8 days), as createFeedbackQueue's.
   * @default 60000
   */
  maxRetryDelayMs?: number | undefined;
  /**
   * Also retry failures where the server may have logged the item (timeouts, resets, 500/502/504): may log it twice.
   * @default false
   */
  retryUnknownDelivery?: boolean | undefined;
  /**
   * How long a claim lasts. A worker that has not settled an item by then (it crashed or hung) loses it to
   * reapExpired(). Must exceed the request timeout (`rateOptions.timeoutMs`, default the client's 30 s) by at
   * least 5 s (the settle's retries, 1.2 s, plus slack), so neither a live request nor a delivered item whose
   * outcome is being recorded is reaped: ParadigmConfigError otherwise; also above 1e12 (PostgreSQL's timestamps end).
   * @default 60000
   */
  leaseMs?: number | undefined;
  /**
   * An item whose lease ended in flight may or may not have been logged. "hold" keeps it as unknown (at most
   * once); "resend" queues it again (at least once).
   * @default "hold"
   */
  onExpiredLease?: "hold" | "resend" | undefined;
  /**
   * Per-request options passed to rate(), which is called with maxRetries 0 (retries are the queue's). `timeoutMs`
   * is always passed (default the client's default, 30 s), so the lease bounds it whatever the client's own setting.
   * @default {}
   */
  rateOptions?: Omit<RateOptions, "maxRetries" | "signal" | "retryUnknownDelivery"> | undefined;
  /**
   * Called once per item delivered, in the worker that delivered it, once that is recorded. A 200 that comes after the
   * item's lease ended (reported to onError as LeaseExpired) records it as delivered and is reported here too.
   * Hooks fire only for outcomes the table records. A throwing hook is re-thrown asynchronously. @default undefined
   */
  onDelivered?: ((item: PostgresFeedback, result: RateResult) => void) | undefined;
  /** Called once per item held as failed or unknown (including a crashed worker's, in the process that reaps it). @default undefined */
  onError?: ((item: PostgresFeedback, error: PostgresStoredError) => void) | undefined;
  /** Called before each safe retry, with the pause every worker takes. @default undefined */
  onRetry?: ((item: PostgresFeedback, error: ParadigmError, delayMs: number) => void) | undefined;
  /** Called when a database call of a worker fails and is retried (a lost connection, a failover). @default undefined */
  onDatabaseError?: ((error: unknown) => void) | undefined;
}

export interface PostgresWorkerOptions {
  /**
   * Requests in flight at once in this worker.
   * @default 4
   */
  concurrency?: number | undefined;
  /**
   * Longest wait between claims when idle; a NOTIFY from enqueue() wakes the worker sooner.
   * @default 1000
   */
  pollMs?: number | undefined;
  /**
   * Names this worker in the table (`worker` column) and in a lease's error.
   * @default `<hostname>-<pid>-<random>`
   */
  workerId?: string | undefined;
  /**
   * How often this worker runs reapExpired().
   * @default min(leaseMs / 2, 30000)
   */
  reapEveryMs?: number | undefined;
}

export interface PostgresWorker {
  readonly id: string;
  /**
   * Stops claiming, waits for the requests in flight and records their outcomes, releases its connection. A claim the
   * database has not answered yet is not waited for: rows it takes when it answers are given back to the queue.
   */
  stop(): Promise<void>;
  /** Settles when the worker stops: resolves after stop(), rejects on a database error it cannot retry (e.g. no table). */
  readonly done: Promise<void>;
}

export interface EnqueueOptions {
  /** Runs the INSERT here: the caller's transaction (a pg PoolClient after BEGIN). Rolled back ⇒ nothing sent. @default the pool */
  db?: PostgresQueryable | undefined;
  /** Your key for the item (a string, or a finite number), stored with it. @default undefined */
  ref?: string | number | undefined;
}

export interface PostgresFeedbackQueue {
  /** The table, as given. */
  readonly table: string;
  /**
   * Validates (ParadigmValidationError, nothing written), then inserts the item, in `db`'s transaction when given.
   * Resolves with its id once the INSERT ran; workers see it when that transaction commits.
   */
  enqueue(
    feedbackTypeId: FeedbackTypeId,
    completionId: CompletionId,
    feedback: FeedbackInput,
    options?: EnqueueOptions,
  ): Promise<{ id: string; ref: string | number | undefined }>;
  /** Starts a worker in this process: it claims, delivers and settles items until stop(). */
  work(options?: PostgresWorkerOptions): PostgresWorker;
  /** Rows per status, across every process. */
  counts(): Promise<PostgresQueueCounts>;
  /** Held items (failed and unknown), oldest first. @default limit 100 */
  failed(options?: { limit?: number | undefined }): Promise<PostgresFailedFeedback[]>;
  /**
   * Queues held items again, with a new round of attempts: the definitive failures, plus the unknown ones with
   * `includeUnknown` (those may then be logged twice); only `ids` when given. Returns the number requeued.
   */
  retryFailed(options?: { ids?: readonly string[] | undefined; includeUnknown?: boolean | undefined }): Promise<number>;
  /**
   * Resolves when no row is queued or in flight (checked every `pollMs`, default 250) and this object's own workers
   * have run the hooks of what they settled; other processes' hooks may still be running. Rejects with the signal's reason.
   */
  drained(options?: { signal?: AbortSignal | undefined; pollMs?: number | undefined }): Promise<void>;
  /** Ends expired leases (crashed or hung workers): held as unknown, or queued again with onExpiredLease "resend". Workers run it too. Returns the rows changed. */
  reapExpired(): Promise<number>;
}

/**
 * Creates the outbox queue over a client (anything with the client's rate()) and a pool. Throws ParadigmConfigError
 * for bad options (table name, leaseMs not above the request timeout, …). Creates nothing: run the migration first.
 */
export function createPostgresQueue(client: Pick<ParadigmClient, "rate">, options: PostgresQueueOptions): PostgresFeedbackQueue {
  return new PostgresQueue(client, options);
}

/** Creates the outbox and pause tables and their indexes if missing (idempotent; safe to run from several processes at once). */
export async function migratePostgresQueue(db: PostgresQueryable, options: { table?: string | undefined } = {}): Promise<void> {
  tableNames(options.table ?? DEFAULT_TABLE);
  // One query, so PostgreSQL runs it as one transaction, holding the advisory lock the SQL takes to the end.
  await db.query(postgresQueueSql(options));
}
