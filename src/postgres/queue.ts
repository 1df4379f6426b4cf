// Enqueue and the operations any process may run (counts, failed, retryFailed, drained, reapExpired); the
// options are checked here, once. Delivery is worker.ts's.
import type { FeedbackInput, ParadigmClient, RatePathParams } from "../client/client.ts";
import { CLIENT_DEFAULTS, finiteAtLeast, integerAtLeast, oneOf } from "../client/options.ts";
import { sleep } from "../core/delivery.ts";
import { ParadigmConfigError, ParadigmValidationError } from "../core/errors.ts";
import { checkCall, isPrebuilt, rateOperation } from "../spec/prepare.ts";
import type { OperationSpec } from "../spec/validate.ts";
import type {
  EnqueueOptions,
  PostgresFailedFeedback,
  PostgresFeedbackQueue,
  PostgresPool,
  PostgresQueueCounts,
  PostgresQueueOptions,
  PostgresStoredError,
  PostgresWorker,
  PostgresWorkerOptions,
} from "./index.ts";
import { call, itemOf, SETTLE_DELAYS_MS, track } from "./item.ts";
import { DEFAULT_TABLE, statements, type TableNames, tableNames } from "./sql.ts";
import { Worker } from "./worker.ts";

type FeedbackTypeId = RatePathParams["feedback_type_id"];
type CompletionId = RatePathParams["completion_id"];

/**
 * A lease must outlast the request timeout by this much: the settle's retries (SETTLE_DELAYS_MS, 1.2 s) plus time for
 * its three queries (3.8 s of slack), so neither a request still running nor a delivered item whose outcome is being
 * recorded is reaped (held as unknown, or resent) meanwhile. 5 s.
 */
export const LEASE_MARGIN_MS = SETTLE_DELAYS_MS.reduce((a, b) => a + b, 0) + 3800;

/** The longest lease: its end (claim time + leaseMs) must fit in a timestamptz (year 294276) and an interval. */
export const MAX_LEASE_MS = 1e12;

/** The options, checked and with their defaults (PostgresQueueOptions' @default). */
export interface Settings {
  pool: PostgresPool;
  names: TableNames;
  sql: ReturnType<typeof statements>;
  maxRetries: number;
  maxRetryDelayMs: number;
  retryUnknownDelivery: boolean;
  leaseMs: number;
  onExpiredLease: "hold" | "resend";
  timeoutMs: number;
  options: PostgresQueueOptions;
  /** Deliveries under way in this queue object's workers, and its reaps, until their settle and hooks have run (drained() waits). */
  deliveries: Set<Promise<unknown>>;
}

export class PostgresQueue implements PostgresFeedbackQueue {
  readonly #client: Pick<ParadigmClient, "rate">;
  readonly #s: Settings;
  readonly #spec: OperationSpec = rateOperation();

  constructor(client: Pick<ParadigmClient, "rate">, o: PostgresQueueOptions) {
    if (!o || typeof o.pool?.query !== "function" || typeof o.pool.connect !== "function")
      throw new ParadigmConfigError("createPostgresQueue needs { pool }: a pg Pool (or anything with query() and connect()).");
    const names = tableNames(o.table ?? DEFAULT_TABLE);
    const timeoutMs = finiteAtLeast("rateOptions.timeoutMs", o.rateOptions?.timeoutMs, CLIENT_DEFAULTS.timeoutMs, 1);
    const leaseMs = finiteAtLeast("leaseMs", o.leaseMs, 60_000, 1);
    if (leaseMs > MAX_LEASE_MS)
      throw new ParadigmConfigError(
        `leaseMs (${leaseMs}) must be at most ${MAX_LEASE_MS} (about 31 years): PostgreSQL cannot store a lease that ends much later, and every claim would fail.`,
      );
    if (leaseMs < timeoutMs + LEASE_MARGIN_MS)
      throw new ParadigmConfigError(
        `leaseMs (${leaseMs}) must be at least the request timeout (rateOptions.timeoutMs, ${timeoutMs}) + ${LEASE_MARGIN_MS} ms: a shorter lease could end while its request is still running or its outcome is being recorded, and the item would be held or resent while it may be delivered.`,
      );
    this.#client = client;
    this.#s = {
      pool: o.pool,
      names,
      sql: statements(names),
      maxRetries: integerAtLeast("maxRetries", o.maxRetries, 10, 0),
      maxRetryDelayMs: finiteAtLeast("maxRetryDelayMs", o.maxRetryDelayMs, 60_000, 0),
      retryUnknownDelivery: o.retryUnknownDelivery === true,
      leaseMs,
      onExpiredLease: oneOf("onExpiredLease", o.onExpiredLease, "hold", ["hold", "resend"]),
      timeoutMs,
      options: o,
      deliveries: new Set(),
    };
  }

  get table(): string {
    return this.#s.names.name;
  }

  async enqueue(
    feedbackTypeId: FeedbackTypeId,
    completionId: CompletionId,
    feedback: FeedbackInput,
    options: EnqueueOptions = {},
  ): Promise<{ id: string; ref: string | number | undefined }> {
    // Stored as JSON and sent later by another process: a prebuilt body (FormData, bytes…) cannot be.
    if (isPrebuilt(feedback) || typeof feedback !== "object" || feedback === null || Array.isArray(feedback))
      throw new ParadigmValidationError([{ path: "$.body", message: "must be a plain object (the outbox stores it as JSON)" }]);
    checkCall(this.#spec, {
      path: { feedback_type_id: feedbackTypeId, completion_id: completionId },
      body: feedback,
      mediaType: this.#s.options.rateOptions?.mediaType,
    });
    const { ref, db } = options;
    if (ref !== undefined && typeof ref !== "string" && !(typeof ref === "number" && Number.isFinite(ref)))
      throw new ParadigmValidationError([{ path: "$.ref", message: `must be a string or a finite number, got ${String(ref)}` }]);
    // jsonb refuses U+0000 and lone surrogates; failing in the INSERT would also abort the caller's transaction. Refused here instead.
    const path = storableJson("$.path", { feedback_type_id: feedbackTypeId, completion_id: completionId });
    const body = storableJson("$.body", feedback);
    const target = db ?? this.#s.pool;
    if (typeof target?.query !== "function") throw new ParadigmConfigError("enqueue's db must have query() (a pg Client or PoolClient in a transaction).");
    const { rows } = await target.query(this.#s.sql.enqueue, [path, body, ref === undefined ? null : storableJson("$.ref", ref), this.#s.names.channel]);
    return { id: String(rows[0]?.id), ref };
  }

  work(options: PostgresWorkerOptions = {}): PostgresWorker {
    return new Worker(this.#client, this.#s, options, () => this.reapExpired());
  }

  async counts(): Promise<PostgresQueueCounts> {
    const { rows } = await this.#s.pool.query(this.#s.sql.counts);
    const by = new Map(rows.map((r) => [r.status as string, Number(r.n)]));
    return {
      queued: by.get("queued") ?? 0,
      inFlight: by.get("in_flight") ?? 0,
      delivered: by.get("delivered") ?? 0,
      failed: by.get("failed") ?? 0,
      unknown: by.get("unknown") ?? 0,
    };
  }

  async failed(options: { limit?: number | undefined } = {}): Promise<PostgresFailedFeedback[]> {
    const limit = integerAtLeast("limit", options.limit, 100, 1);
    // LIMIT is a bigint: beyond it, PostgreSQL would fail the query instead.
    if (!Number.isSafeInteger(limit)) throw new ParadigmConfigError(`limit must be at most ${Number.MAX_SAFE_INTEGER}, got ${limit}`);
    const { rows } = await this.#s.pool.query(this.#s.sql.failed, [limit]);
    return rows.map((r) => {
      const error = r.error as PostgresStoredError;
      return { ...itemOf(r), error, deliveryUnknown: r.status === "unknown" };
    });
  }

  async retryFailed(options: { ids?: readonly string[] | undefined; includeUnknown?: boolean | undefined } = {}): Promise<number> {
    const ids = options.ids;
    // Checked here, as the bigint the column is: out of range, PostgreSQL would fail the query instead.
    const isId = (id: unknown) => typeof id === "string" && /^\d{1,19}$/.test(id) && BigInt(id) <= 9223372036854775807n;
    if (ids !== undefined && (!Array.isArray(ids) || !ids.every(isId)))
      throw new ParadigmValidationError([
        { path: "$.ids", message: "must be an array of item ids (the decimal strings enqueue() and failed() return, within bigint's range)" },
      ]);
    const statuses = options.includeUnknown === true ? ["failed", "unknown"] : ["failed"];
    const { rows } = await this.#s.pool.query(this.#s.sql.retryFailed, [statuses, ids ?? null, this.#s.names.channel]);
    return Number(rows[0]?.n ?? 0);
  }

  async drained(options: { signal?: AbortSignal | undefined; pollMs?: number | undefined } = {}): Promise<void> {
    const pollMs = finiteAtLeast("pollMs", options.pollMs, 250, 1);
    for (;;) {
      options.signal?.throwIfAborted();
      const { rows } = await this.#s.pool.query(this.#s.sql.busy);
      if (rows[0]?.busy !== true) {
        // The table can show a row delivered before the worker that settled it has its reply and runs its hook:
        // wait for this object's own deliveries, so a caller sees their onDelivered/onError calls done.
        // Up to a request's timeout when its row was reaped while it ran: the signal still ends the wait.
        await abortable(Promise.allSettled([...this.#s.deliveries]), options.signal);
        return;
      }
      await sleep(pollMs, options.signal);
    }
  }

  reapExpired(): Promise<number> {
    // Tracked like a delivery: the table shows a reaped row held before the reaper has its reply and runs onError.
    const p = this.#reap();
    track(this.#s.deliveries, p);
    return p;
  }

  async #reap(): Promise<number> {
    const { sql, names, options } = this.#s;
    if (this.#s.onExpiredLease === "resend") {
      const { rows } = await this.#s.pool.query(sql.reapResend, [names.channel]);
      return Number(rows[0]?.n ?? 0);
    }
    const { rows } = await this.#s.pool.query(sql.reapHold);
    for (const r of rows) call(() => options.onError?.(itemOf(r), r.error as PostgresStoredError));
    return rows.length;
  }
}

/** `p`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A lone surrogate: in "u" mode a well-formed pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON.stringify, refusing (ParadigmValidationError) any string or key jsonb cannot store: one holding U+0000, or one
 * that is not well-formed UTF-16 (a lone surrogate). In the INSERT, either would abort the caller's transaction.
 */
function storableJson(at: string, value: unknown): string {
  let problem: string | undefined;
  const check = (s: string) => {
    if (s.includes("\0")) problem ??= "must not contain the NUL character (U+0000): PostgreSQL's jsonb cannot store it";
    else if (LONE_SURROGATE.test(s))
      problem ??= "must not contain a lone surrogate (a string that is not well-formed UTF-16): PostgreSQL's jsonb cannot store it";
  };
  const json = JSON.stringify(value, (key, v) => {
    check(key);
    if (typeof v === "string") check(v);
    return v;
  });
  if (problem) throw new ParadigmValidationError([{ path: at, message: problem }]);
  return json;
}
