// A worker: claims rows (FOR UPDATE SKIP LOCKED, with a lease), delivers them with rate(), and settles each one.
// Which failures are retried is src/core/delivery.ts's rule, read here and nowhere else. Settling only touches a row
// this worker still holds, so a row another process reaped (lease ended) is never overwritten.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ParadigmClient, RateResult } from "../client/client.ts";
import { finiteAtLeast, integerAtLeast } from "../client/options.ts";
import { MAX_TIMER, mayRetryError, retryAfterMs, retryDelayMs, sleep } from "../core/delivery.ts";
import { ParadigmAPIError, ParadigmConfigError, ParadigmError } from "../core/errors.ts";
import type { PostgresListenClient, PostgresPool, PostgresStoredError, PostgresWorker, PostgresWorkerOptions } from "./index.ts";
import { call, itemOf, SETTLE_DELAYS_MS, track } from "./item.ts";
import type { Settings } from "./queue.ts";

const STOPPED = Symbol("stopped");

/** A lost LISTEN connection is re-opened at most this often; polling covers the gap. */
const RELISTEN_MS = 5000;

/** LISTEN connections this process's workers hold, per pool: together they must leave one for claims and settles. */
const listening = new WeakMap<object, number>();

/** Errors a database call may recover from by waiting: lost connections, failover, too many clients, serialization, timeouts. */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string") {
    // 57014: a statement_timeout (or a cancel) ended the query; it is retried like a lost connection.
    if (code.startsWith("08") || ["57P01", "57P02", "57P03", "57014", "53300", "40001", "40P01"].includes(code)) return true;
    if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"].includes(code)) return true;
  }
  // "Query read timeout": pg's query_timeout, which guards a worker against a database that stops answering.
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|Query read timeout/i.test(
    String((e as Error)?.message),
  );
}

export const storedError = (e: ParadigmError, deliveryUnknown: boolean): PostgresStoredError => ({
  name: e.name,
  message: e.message,
  ...(e instanceof ParadigmAPIError ? { status: e.status } : {}),
  deliveryUnknown,
});

export class Worker implements PostgresWorker {
  readonly id: string;
  readonly done: Promise<void>;
  readonly #client: Pick<ParadigmClient, "rate">;
  readonly #s: Settings;
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #reapEveryMs: number;
  readonly #reap: () => Promise<number>;
  #stopping = false;
  /** A fatal error met outside the loop (by the reap timer). */
  #failure: { error: unknown } | undefined;
  #signalStop: () => void = () => undefined;
  /** Resolves on stop(): a claim or idle query the database has not answered is not waited for. */
  readonly #stopSignal = new Promise<typeof STOPPED>((resolve) => {
    this.#signalStop = () => resolve(STOPPED);
  });
  #active = new Set<Promise<void>>();
  /** Ends the current wait: on stop(), or on a nudge if that wait is nudgeable. */
  #wakeUp: ((byStop: boolean) => void) | undefined;
  /** Set by a wake-up that came while the loop was not waiting (e.g. a NOTIFY during a query): its next wait returns at once. */
  #nudged = false;
  /** Local estimate of the queue-wide pause's end: NOTIFYs before it are ignored (nothing can be claimed). */
  #pausedUntil = 0;
  #listen: PostgresListenClient | undefined;
  /** Removes this worker's listeners from the LISTEN connection. */
  #unlistenHandlers: (() => void) | undefined;
  /** Gives back this worker's count in `listening`. */
  #freeSlot: (() => void) | undefined;
  #nextListen = 0;
  #reapTimer: ReturnType<typeof setInterval> | undefined;
  /** Tokens of claims whose reply was lost, until their lease would end (then the reaper decides). */
  #lostClaims = new Map<string, { until: number; tried: boolean }>();

  constructor(client: Pick<ParadigmClient, "rate">, s: Settings, o: PostgresWorkerOptions, reap: () => Promise<number>) {
    this.#client = client;
    this.#s = s;
    this.#reap = reap;
    this.#concurrency = integerAtLeast("concurrency", o.concurrency, 4, 1);
    // The claim's LIMIT is a bigint: beyond it, every claim would fail and the worker die.
    if (!Number.isSafeInteger(this.#concurrency))
      throw new ParadigmConfigError(`concurrency must be at most ${Number.MAX_SAFE_INTEGER}, got ${this.#concurrency}`);
    this.#pollMs = finiteAtLeast("pollMs", o.pollMs, 1000, 1);
    this.#reapEveryMs = finiteAtLeast("reapEveryMs", o.reapEveryMs, Math.min(s.leaseMs / 2, 30_000), 1);
    if (o.workerId !== undefined && (typeof o.workerId !== "string" || o.workerId === "" || o.workerId.length > 200))
      throw new ParadigmConfigError(`workerId must be a non-empty string of at most 200 characters, got ${JSON.stringify(o.workerId)}`);
    this.id = o.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.done = this.#run();
    // Surfaced by `done` and stop(); without this, a fatal error nobody awaited would also crash the process.
    this.done.catch(() => undefined);
  }

  stop(): Promise<void> {
    this.#stopping = true;
    this.#signalStop();
    this.#wakeUp?.(true);
    return this.done;
  }

  async #run(): Promise<void> {
    let fatal: unknown;
    try {
      await this.#listenStart();
      await this.#reapOnce();
      // Capped: setInterval runs a longer period every millisecond instead.
      this.#reapTimer = setInterval(() => void this.#reapOnce(), Math.min(this.#reapEveryMs, MAX_TIMER));
      this.#reapTimer.unref?.();
      while (!this.#stopping) {
        const free = this.#concurrency - this.#active.size;
        if (free <= 0) {
          await Promise.race(this.#active);
          continue;
        }
        this.#nudged = false; // this claim sees whatever a wake-up announced
        let token = "";
        const rows = await this.#retrying(async () => {
          await this.#requeueLost(true);
          // A token per claim: its settles are keyed on it, never on the worker alone (see sql.ts's settles).
          token = randomBytes(9).toString("base64url");
          const claimed = token;
          try {
            const q = this.#s.pool.query(this.#s.sql.claim, [free, this.id, this.#s.leaseMs, claimed]);
            const r = await Promise.race([q, this.#stopSignal]);
            if (r !== STOPPED) return r;
            // Stopped before the database answered: rows it claims when it does are given back, never started. The
            // connection for that is taken now, while the pool is open: the usual shutdown, stop() then pool.end(),
            // would refuse a query made after the answer, but pool.end() waits for a connection checked out before
            // (as it waits for the claim's own), so the rows are not left in flight to be held as unknown.
            this.#requeueLate(q, claimed);
            return undefined;
          } catch (e) {
            // The claim may have committed with its reply lost: its rows would sit in flight, never sent, until the
            // lease ends and they are held as unknown. Requeued before the next claim (and by the reap timer). An
            // error the database answered (a missing table, a permission) committed nothing.
            if (isTransient(e)) this.#lostClaims.set(claimed, { until: Date.now() + this.#s.leaseMs, tried: false });
            throw e;
          }
        });
        if (!rows) break; // stopped while waiting out a database error
        for (const r of rows.rows) this.#start(r, token);
        if (rows.rows.length === free) continue;
        await this.#idle();
      }
    } catch (e) {
      fatal = e;
    } finally {
      this.#stopping = true;
      clearInterval(this.#reapTimer);
      await Promise.allSettled([...this.#active]);
      await this.#requeueLost(false).catch((e) => call(() => this.#s.options.onDatabaseError?.(e)));
      await this.#listenStop();
    }
    if (fatal === undefined && this.#failure) fatal = this.#failure.error;
    if (fatal !== undefined) throw fatal;
  }

  /** Waits for work: the pause's end, the next retry's time, a NOTIFY, a retry settled here, or pollMs. */
  async #idle(): Promise<void> {
    if (!this.#listen && Date.now() >= this.#nextListen) await this.#listenStart();
    const due = await this.#retrying(async () => {
      const q = this.#s.pool.query(this.#s.sql.nextDue);
      q.catch(() => undefined); // awaited below unless stop() came first; then its failure no longer matters
      const r = await Promise.race([q, this.#stopSignal]);
      return r === STOPPED ? undefined : r;
    });
    if (!due) return;
    const pauseMs = Number(due.rows[0]?.pause_ms ?? 0);
    const dueMs = due.rows[0]?.due_ms;
    if (pauseMs > 0) this.#pausedUntil = Date.now() + pauseMs;
    // Nothing queued: wait for a NOTIFY (or poll). Queued: until the later of the pause's end and the next row's time.
    const ms = dueMs === null || dueMs === undefined ? this.#pollMs : Math.min(this.#pollMs, Math.max(10, pauseMs, Number(dueMs)));
    await this.#wait(ms);
  }

  /** Wakes the loop now, or makes its next wait return at once. */
  #nudge(): void {
    this.#nudged = true;
    this.#wakeUp?.(false);
  }

  /** Waits `ms`, or less when woken (stop(), or a nudge when `nudgeable`: not for a database error's backoff). */
  #wait(ms: number, nudgeable = true): Promise<void> {
    if (this.#stopping || (nudgeable && this.#nudged)) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.min(ms, MAX_TIMER)); // longer, setTimeout would fire at once: a polling loop
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wakeUp = (byStop) => {
        if (!byStop && !nudgeable) return; // a database error's backoff: a NOTIFY would turn it into a retry loop
        this.#wakeUp = undefined;
        done();
      };
    });
  }

  /** Runs a database call, waiting out transient errors (until stop(): then undefined). Other errors are fatal. */
  async #retrying<T>(f: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await f();
      } catch (e) {
        if (this.#stopping) return undefined;
        if (!isTransient(e)) throw e;
        call(() => this.#s.options.onDatabaseError?.(e));
        await this.#wait(Math.min(100 * 2 ** attempt, 5000), false);
        if (this.#stopping) return undefined;
      }
    }
  }

  #start(r: Record<string, unknown>, token: string): void {
    const p: Promise<void> = this.#deliver(r, token).finally(() => this.#active.delete(p));
    this.#active.add(p);
    track(this.#s.deliveries, p);
  }

  async #deliver(r: Record<string, unknown>, token: string): Promise<void> {
    const item = itemOf(r);
    const { options: o, sql } = this.#s;
    let result: RateResult | undefined;
    let error: ParadigmError | undefined;
    try {
      result = await this.#client.rate(item.feedbackTypeId, item.completionId, item.feedback, {
        ...o.rateOptions,
        timeoutMs: this.#s.timeoutMs,
        maxRetries: 0,
      });
    } catch (e) {
      error = e instanceof ParadigmError ? e : new ParadigmError(`rate() failed: ${(e as Error)?.message ?? String(e)}`, { cause: e, deliveryUnknown: true });
    }
    // Hooks report what the table records: a settle that changed nothing (the row was reaped meanwhile, and the
    // reaper reported it) or that never got through (the lease will decide) calls none.
    if (result) {
      if (await this.#settle(sql.delivered, [item.id, token])) call(() => o.onDelivered?.(item, result));
      return;
    }
    const e = error as ParadigmError;
    const maybeDelivered = e.deliveryUnknown || r.maybe_delivered === true;
    if (mayRetryError(e, this.#s.retryUnknownDelivery) && item.attempts <= this.#s.maxRetries) {
      const given = e instanceof ParadigmAPIError ? retryAfterMs(e.headers) : undefined;
      // At most MAX_TIMER, as createFeedbackQueue's pause (its sleep's cap); far beyond, the pause's end would not fit
      // in a timestamptz and the settle would fail, leaving the item in flight.
      const delay = Math.min(retryDelayMs(item.attempts - 1, given, this.#s.maxRetryDelayMs), MAX_TIMER);
      // Back to queued and the pause extended for every worker (one statement), then this worker rereads it.
      this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delay);
      if (await this.#settle(sql.retry, [item.id, token, delay, JSON.stringify(storedError(e, e.deliveryUnknown)), e.deliveryUnknown, this.#s.names.channel]))
        call(() => o.onRetry?.(item, e, delay));
      this.#nudge();
      return;
    }
    const stored = storedError(e, maybeDelivered);
    if (await this.#settle(sql.held, [item.id, token, maybeDelivered ? "unknown" : "failed", JSON.stringify(stored)])) call(() => o.onError?.(item, stored));
  }

  /**
   * Records an outcome (true when it changed the row), retrying a failed write twice. If it still fails, the row stays in flight under this
   * worker's lease, and when the lease ends it is held as unknown (or resent, onExpiredLease "resend"): never
   * lost, never resent silently. Runs even while stopping: stop() records the outcomes of requests in flight.
   */
  async #settle(text: string, values: unknown[]): Promise<boolean> {
    for (let i = 0; ; i++) {
      try {
        const r = await this.#s.pool.query(text, values);
        // The retry statement SELECTs its count; the others are plain UPDATEs.
        return Number(r.rows[0]?.n ?? r.rowCount ?? 0) > 0;
      } catch (e) {
        call(() => this.#s.options.onDatabaseError?.(e));
        const wait = SETTLE_DELAYS_MS[i];
        if (wait === undefined) return false;
        await sleep(wait);
      }
    }
  }

  /** Gives back the rows a claim answered after stop() takes, on a connection checked out before the pool can end. */
  #requeueLate(q: Promise<{ rows: Record<string, unknown>[] }>, token: string): void {
    const report = (e: unknown) => call(() => this.#s.options.onDatabaseError?.(e));
    const requeue = (db: { query: PostgresPool["query"] }) =>
      q.then((late) => (late.rows.length > 0 ? db.query(this.#s.sql.requeueLost, [[token]]) : undefined));
    this.#s.pool.connect().then(
      (c) =>
        requeue(c).then(
          () => c.release(),
          (e) => {
            c.release(e instanceof Error ? e : true);
            report(e);
          },
        ),
      (e) => {
        report(e);
        requeue(this.#s.pool).catch(report); // best effort: if the pool has ended by then, the lease decides
      },
    );
  }

  /**
   * Requeues the rows of lost claims. `fresh` (before a claim): only if a token was never tried, to keep claims cheap;
   * the reap timer retries every token until its lease would end, for a claim that committed after the first try.
   */
  async #requeueLost(fresh: boolean): Promise<void> {
    const now = Date.now();
    for (const [t, v] of this.#lostClaims) if (v.until <= now) this.#lostClaims.delete(t);
    const entries = [...this.#lostClaims];
    if (entries.length === 0 || (fresh && entries.every(([, v]) => v.tried))) return;
    await this.#s.pool.query(this.#s.sql.requeueLost, [entries.map(([t]) => t)]);
    for (const [, v] of entries) v.tried = true;
  }

  /**
   * A transient error is reported and left to the next reap; any other (a dropped table, a revoked permission) ends
   * the worker with that error in `done`, as the claim's would, rather than being reported as waited out forever.
   */
  async #reapOnce(): Promise<void> {
    try {
      await this.#requeueLost(false);
      await this.#reap();
    } catch (e) {
      if (isTransient(e)) call(() => this.#s.options.onDatabaseError?.(e));
      else this.#fail(e);
    }
  }

  /** Ends the loop from outside it (the reap timer): #run rethrows `e` (`done` already has a handler). */
  #fail(e: unknown): void {
    this.#failure ??= { error: e };
    void this.stop();
  }

  /** LISTEN on a held connection (one per worker), best effort: without it the worker polls every pollMs. */
  async #listenStart(): Promise<void> {
    this.#nextListen = Date.now() + RELISTEN_MS;
    // Holding a pool's last connection would leave none for claims and settles: every worker on it would hang (and
    // stop() with them). Poll instead; with other workers' LISTENs, try again later (one of them may stop).
    const pool = this.#s.pool;
    const max = (pool as { options?: { max?: unknown } }).options?.max;
    const held = listening.get(pool) ?? 0;
    if (typeof max === "number" && held + 1 >= max) {
      if (max < 2) this.#nextListen = Number.POSITIVE_INFINITY;
      return;
    }
    listening.set(pool, held + 1);
    this.#freeSlot = () => listening.set(pool, (listening.get(pool) ?? 1) - 1);
    let c: PostgresListenClient | undefined;
    try {
      c = await this.#s.pool.connect();
      const client = c;
      const onNotification = (m: { channel: string }) => {
        if (m.channel === this.#s.names.channel && Date.now() >= this.#pausedUntil) this.#nudge();
      };
      const onError = (e: Error) => {
        call(() => this.#s.options.onDatabaseError?.(e));
        if (this.#listen === client) {
          this.#listen = undefined;
          this.#release(client, e);
        }
      };
      client.on("notification", onNotification);
      client.on("error", onError);
      this.#unlistenHandlers = () => {
        client.removeListener?.("notification", onNotification);
        client.removeListener?.("error", onError);
      };
      await client.query(this.#s.sql.listen);
      this.#listen = client;
    } catch (e) {
      if (c) this.#release(c, e as Error);
      else this.#releaseSlot();
      call(() => this.#s.options.onDatabaseError?.(e));
    }
  }

  /** Gives the LISTEN connection back without this worker's listeners: a pooled connection outlives its worker. */
  #release(c: PostgresListenClient, e?: Error): void {
    this.#unlistenHandlers?.();
    this.#unlistenHandlers = undefined;
    this.#releaseSlot();
    c.release(e);
  }

  #releaseSlot(): void {
    this.#freeSlot?.();
    this.#freeSlot = undefined;
  }

  async #listenStop(): Promise<void> {
    const c = this.#listen;
    this.#listen = undefined;
    if (!c) return;
    try {
      await c.query(this.#s.sql.unlisten);
      this.#release(c);
    } catch (e) {
      this.#release(c, e as Error);
    }
  }
}
