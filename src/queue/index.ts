// The `paradigm-client/queue` entry: a delivery queue for feedback at volume. The main entry never imports it.
//
// Each item is validated when enqueued (the same spec-derived validator as rate()), then delivered in the
// background by at most `concurrency` workers. Failures that prove nothing was logged (429, 408, 503 with
// Retry-After, connection refused: src/core/delivery.ts's rule, as rate()'s) are retried by the queue itself, and a server's Retry-After pauses the
// whole queue, not just one item: a rate limit is about the client, not the request. Everything else settles
// the item as failed, and the item is kept (with its error) until the caller retries or drops it.
import { randomBytes } from "node:crypto";
import type { FeedbackInput, ParadigmClient, RateOptions, RatePathParams, RateResult } from "../client/client.ts";
import { finiteAtLeast, integerAtLeast, oneOf } from "../client/options.ts";
import { errorDelivery, mayRetryError, retryAfterMs, retryDelayMs, sleep } from "../core/delivery.ts";
import { ParadigmAPIError, ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import { rateOperation } from "../spec/prepare.ts";
import { type OperationSpec, validateOperation } from "../spec/validate.ts";
import type { FeedbackStore, StoredError, StoredFeedback } from "./store.ts";

export {
  type FeedbackStore,
  type FileStoreOptions,
  fileStore,
  ParadigmStoreError,
  type StoredError,
  type StoredFeedback,
  type StoreRecord,
  type StoreSnapshot,
} from "./store.ts";

type FeedbackTypeId = RatePathParams["feedback_type_id"];
type CompletionId = RatePathParams["completion_id"];

/** enqueue() was refused because `maxQueued` items are waiting and `whenFull` is "reject". Nothing was queued. */
export class ParadigmQueueFullError extends ParadigmError {
  override name = "ParadigmQueueFullError";
  readonly maxQueued: number;
  constructor(maxQueued: number) {
    super(`The feedback queue is full (${maxQueued} items waiting); nothing was queued. Retry later, or use whenFull: "wait".`);
    this.maxQueued = maxQueued;
  }
}

/** enqueue() or retryFailed() after close() or stop(). Nothing was queued. */
export class ParadigmQueueClosedError extends ParadigmError {
  override name = "ParadigmQueueClosedError";
}

/**
 * A failure read back from the outbox after a restart, or an item a crash caught in flight.
 * `originalName` and `status` describe the error the previous process saw.
 */
export class ParadigmRestoredError extends ParadigmError {
  override name = "ParadigmRestoredError";
  readonly originalName: string;
  readonly status: number | undefined;
  constructor(e: StoredError) {
    super(e.message, { deliveryUnknown: e.deliveryUnknown });
    this.originalName = e.name;
    this.status = e.status;
  }
}

/** An item's end: delivered, failed (kept, see failed()), or still undelivered when stop() was called. */
export type FeedbackOutcome =
  | { status: "delivered"; item: QueuedFeedback; result: RateResult }
  /** Definitively refused or failed; the server did not log it (`error.deliveryUnknown` is false). */
  | { status: "failed"; item: QueuedFeedback; error: ParadigmError }
  /** The server may or may not have logged it (timeout after sending, reset, 500/502/504, a crash mid-flight). */
  | { status: "unknown"; item: QueuedFeedback; error: ParadigmError }
  /** stop() was called before it was sent. It is still in the outbox, if there is one. */
  | { status: "stopped"; item: QueuedFeedback };

export interface QueuedFeedback {
  readonly id: string;
  readonly feedbackTypeId: FeedbackTypeId;
  readonly completionId: CompletionId;
  readonly feedback: FeedbackInput;
  /** The caller's key for the item, if given to enqueue(); persisted with it. */
  readonly ref: string | number | undefined;
  /** Attempts made so far in the current delivery round. */
  readonly attempts: number;
  /** Settles (never rejects) with the item's outcome. After retryFailed(), a new round's outcome. */
  readonly outcome: Promise<FeedbackOutcome>;
}

export interface FailedFeedback {
  item: QueuedFeedback;
  error: ParadigmError;
  /** True when the server may have logged it: retrying may log it twice. */
  deliveryUnknown: boolean;
}

export interface QueueCounts {
  /** Waiting to be sent (including items waiting out a retry delay). */
  queued: number;
  inFlight: number;
  /** Delivered by this queue since it was created. */
  delivered: number;
  /** Held with a definitive error (the server did not log them). */
  failed: number;
  /** Held with an error after which delivery is unknown. */
  unknown: number;
  /** Safe retries made (429, 503 with Retry-After, connection refused). */
  retries: number;
}

export interface RestoreReport {
  /** Unsent items from the outbox, queued again. */
  resumed: number;
  /** Items that were in flight when the previous process stopped and were queued again (`inFlightOnRestart: "resend"`). */
  resent: number;
  /** Items that were in flight when the previous process stopped, now held in failed() as unknown (`inFlightOnRestart: "hold"`). */
  heldUnknown: number;
  /** Items that had failed in a previous run, held in failed(). */
  failed: number;
  /** The items the previous process left in flight (held or resent): the only ones whose delivery a crash can leave ambiguous. */
  interrupted: QueuedFeedback[];
  /** The store's metadata (see the CLI's import). */
  meta: Record<string, unknown> | undefined;
  /**
   * The outbox's cursor: the `ref` of the latest item it ever accepted (delivered, held or still queued), the
   * highest one for number refs; never lowered by a restart or a compaction (see StoreSnapshot.lastRef).
   * Enqueue items in increasing `ref` order and skip refs ≤ lastRef on a rerun: nothing is sent twice.
   */
  lastRef: string | number | undefined;
}

export interface FeedbackQueueOptions {
  /**
   * Requests in flight at once.
   * @default 4
   */
  concurrency?: number;
  /**
   * Items held (queued, in flight, or being admitted) before enqueue() applies `whenFull`.
   * @default 1000
   */
  maxQueued?: number;
  /**
   * When full: "wait" makes enqueue() resolve once there is room (in call order); "reject" makes it
   * reject with ParadigmQueueFullError. An item is never dropped.
   * @default "wait"
   */
  whenFull?: "wait" | "reject";
  /**
   * Safe retries per item (429, 408, 503 with Retry-After, connection refused) before it is held as failed.
   * @default 10
   */
  maxRetries?: number;
  /**
   * Cap on a pause: the server's Retry-After, or the backoff (0.5 s, 1 s, 2 s … 8 s, with jitter) when it sent none.
   * @default 60000
   */
  maxRetryDelayMs?: number;
  /**
   * Also retry failures where the server may have logged the item (timeouts, resets, 500/502/504).
   * Off by default: Paradigm has no idempotency key, so such a retry can log the same feedback twice.
   * @default false
   */
  retryUnknownDelivery?: boolean;
  /** Per-request options passed to rate() (retries are the queue's own: rate() is called with maxRetries 0). @default {} */
  rateOptions?: Omit<RateOptions, "maxRetries" | "signal" | "retryUnknownDelivery">;
  /** A durable outbox, e.g. fileStore("outbox.jsonl"): undelivered items survive a crash and resume. @default undefined (memory only) */
  store?: FeedbackStore | undefined;
  /**
   * What to do, after a crash, with items the outbox shows in flight (sent, no answer recorded): the server
   * may or may not have logged them. "hold" keeps them in failed() as unknown (at most once); "resend" sends
   * them again (at least once: some may be logged twice).
   * @default "hold"
   */
  inFlightOnRestart?: "hold" | "resend";
  /** Called once per delivered item. A throwing hook is re-thrown asynchronously; the queue carries on. @default undefined */
  onDelivered?: ((item: QueuedFeedback, result: RateResult) => void) | undefined;
  /**
   * Called once per item that fails definitively or with unknown delivery (it is then in failed()). Also called,
   * once per start, for each item ready() restores as held: failed or unknown in a previous run, or caught in
   * flight by a crash (held unknown, `inFlightOnRestart: "hold"`). Those get a ParadigmRestoredError
   * (`originalName` "Interrupted" for the in-flight ones), and are called before ready() resolves.
   * @default undefined
   */
  onError?: ((item: QueuedFeedback, error: ParadigmError) => void) | undefined;
  /** Called before each safe retry, with the pause the whole queue takes. @default undefined */
  onRetry?: ((item: QueuedFeedback, error: ParadigmError, delayMs: number) => void) | undefined;
  /** The wait used for pauses; tests inject one. @default a setTimeout-based sleep */
  sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

export interface FeedbackQueue {
  /**
   * Validates at once (rejecting with ParadigmValidationError, nothing queued), then resolves when the item
   * is accepted: in the queue, and written to the outbox if there is one. Rejects with ParadigmQueueFullError
   * (whenFull "reject") or ParadigmQueueClosedError after close()/stop(). `ref` is your key for the item
   * (e.g. its index in your list), kept in the outbox; the latest one accepted is ready().lastRef on the next start.
   */
  enqueue(feedbackTypeId: FeedbackTypeId, completionId: CompletionId, feedback: FeedbackInput, options?: { ref?: string | number }): Promise<QueuedFeedback>;
  /** Resolves when every item accepted (or being accepted) before the call is delivered or held as failed; then compacts the outbox. */
  flush(): Promise<void>;
  /** Stops intake, delivers everything, compacts and closes the outbox. Failed items stay in failed() (and in the outbox). */
  close(): Promise<void>;
  /**
   * Stops intake and dispatch, waits for requests in flight, closes the outbox, and returns the items not
   * delivered (they resume from the outbox on the next start). Their outcome is "stopped".
   */
  stop(): Promise<QueuedFeedback[]>;
  /** Items held after a definitive failure or an unknown delivery, with their errors. */
  failed(): FailedFeedback[];
  /**
   * Queues held items again (all, or those `which` selects); returns them. Retrying an unknown-delivery item may
   * log it twice. Does not wait for room: these items were already accepted once.
   */
  retryFailed(which?: (f: FailedFeedback) => boolean): Promise<QueuedFeedback[]>;
  /** Resolves when the outbox has been read and its items requeued or held (immediately without a store). */
  ready(): Promise<RestoreReport>;
  readonly counts: QueueCounts;
}

class Item implements QueuedFeedback {
  attempts = 0;
  /** An attempt may have been logged: every later failure of this item is delivery-unknown too. */
  maybeDelivered = false;
  outcome!: Promise<FeedbackOutcome>;
  settle!: (o: FeedbackOutcome) => void;
  constructor(
    readonly id: string,
    readonly feedbackTypeId: FeedbackTypeId,
    readonly completionId: CompletionId,
    readonly feedback: FeedbackInput,
    readonly ref: string | number | undefined,
  ) {
    this.reset();
  }
  reset(): void {
    this.attempts = 0;
    this.outcome = new Promise((resolve) => {
      this.settle = resolve;
    });
  }
}

/** A FIFO with cheap pushes at either end (retried items go to the front). */
class Deque<T> {
  #items: T[] = [];
  #head = 0;
  #front: T[] = [];
  get length(): number {
    return this.#items.length - this.#head + this.#front.length;
  }
  push(v: T): void {
    this.#items.push(v);
  }
  unshift(v: T): void {
    this.#front.push(v);
  }
  shift(): T | undefined {
    if (this.#front.length) return this.#front.pop();
    if (this.#head >= this.#items.length) return undefined;
    const v = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }
  drain(): T[] {
    const out = [...this.#front.reverse(), ...this.#items.slice(this.#head)];
    this.#items = [];
    this.#front = [];
    this.#head = 0;
    return out;
  }
}

const toStored = (e: ParadigmError): StoredError => ({
  name: e.name,
  message: e.message,
  status: e instanceof ParadigmAPIError ? e.status : undefined,
  deliveryUnknown: e.deliveryUnknown,
});

/** Whether a failure proves the server did not log the item, so sending it again cannot duplicate it (src/core/delivery.ts's "safe"). */
export function isSafeToRetry(e: ParadigmError): boolean {
  return errorDelivery(e) === "safe";
}

/**
 * Creates a delivery queue over a client (anything with the client's rate()).
 *
 * ```ts
 * const queue = createFeedbackQueue(client, { concurrency: 8, store: fileStore("outbox.jsonl") });
 * await queue.enqueue(3, "cmpl-1", { flag: true });
 * await queue.close(); // delivers everything, then releases the outbox
 * ```
 */
export function createFeedbackQueue(client: Pick<ParadigmClient, "rate">, options: FeedbackQueueOptions = {}): FeedbackQueue {
  return new Queue(client, options);
}

class Queue implements FeedbackQueue {
  readonly #client: Pick<ParadigmClient, "rate">;
  readonly #store: FeedbackStore | undefined;
  readonly #o: FeedbackQueueOptions;
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #maxRetries: number;
  readonly #maxDelay: number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #spec: OperationSpec;
  readonly #prefix = randomBytes(4).toString("hex");
  #seq = 0;

  #pending = new Deque<Item>();
  #live = new Set<Item>(); // accepted, not settled: pending or in flight
  #admitting = new Set<Promise<QueuedFeedback>>();
  #reserved = 0; // room promised to callers whose item is still being written to the outbox
  #waiters: { resolve: () => void; reject: (e: ParadigmError) => void }[] = [];
  #failed = new Map<string, FailedFeedback>();
  #workers = new Set<Promise<void>>();
  #workerCount = 0; // decremented the moment a worker leaves its loop, so #spawn never counts a leaving worker
  #inFlight = 0;
  #delivered = 0;
  #retries = 0;
  #closed = false;
  #stopped = false;
  #pause: Promise<void> | undefined;
  #pauseEnd = 0;
  #pauseCtl = new AbortController();
  #storeError: ParadigmError | undefined;
  #ready: Promise<RestoreReport>;

  constructor(client: Pick<ParadigmClient, "rate">, o: FeedbackQueueOptions) {
    this.#client = client;
    this.#o = o;
    this.#store = o.store;
    // Bad options throw ParadigmConfigError, as the client's do; the defaults are those of FeedbackQueueOptions' @default.
    this.#concurrency = integerAtLeast("concurrency", o.concurrency, 4, 1);
    this.#maxQueued = integerAtLeast("maxQueued", o.maxQueued, 1000, 1);
    this.#maxRetries = integerAtLeast("maxRetries", o.maxRetries, 10, 0);
    this.#maxDelay = finiteAtLeast("maxRetryDelayMs", o.maxRetryDelayMs, 60_000, 0);
    this.#sleep = o.sleep ?? sleep;
    oneOf("whenFull", o.whenFull, "wait", ["wait", "reject"]);
    oneOf("inFlightOnRestart", o.inFlightOnRestart, "hold", ["hold", "resend"]);
    this.#spec = rateOperation();
    this.#ready = this.#restore();
    this.#ready.catch(() => undefined); // surfaced by ready(), enqueue(), flush() and close()
  }

  async #restore(): Promise<RestoreReport> {
    const report: RestoreReport = { resumed: 0, resent: 0, heldUnknown: 0, failed: 0, interrupted: [], meta: undefined, lastRef: undefined };
    if (!this.#store) return report;
    const snap = await this.#store.open();
    const held: [Item, ParadigmRestoredError][] = [];
    report.meta = snap.meta;
    report.lastRef = snap.lastRef;
    for (const s of snap.items) {
      const item = this.#itemFrom(s);
      if (s.state === "sending") report.interrupted.push(item);
      if (s.state === "pending" || (s.state === "sending" && this.#o.inFlightOnRestart === "resend")) {
        if (s.state === "sending") {
          report.resent++;
          await this.#store.append({ op: "back", id: s.id });
        } else report.resumed++;
        this.#live.add(item);
        this.#pending.push(item);
      } else if (s.state === "sending") {
        report.heldUnknown++;
        const error = new ParadigmRestoredError({
          name: "Interrupted",
          message: "This item was in flight when the previous process stopped: the server may or may not have logged it.",
          deliveryUnknown: true,
        });
        await this.#store.append({ op: "fail", id: s.id, error: toStored(error) });
        held.push([item, error]);
      } else {
        report.failed++;
        const error = new ParadigmRestoredError(s.error ?? { name: "ParadigmError", message: "failed in a previous run", deliveryUnknown: false });
        held.push([item, error]);
      }
    }
    // Held items are reported like new failures, once per start, so a handler that records failures sees
    // each one even if the previous process died before its onError ran (or mid-flight, before any answer).
    for (const [item, error] of held) {
      this.#hold(item, error);
      item.settle({ status: error.deliveryUnknown ? "unknown" : "failed", item, error });
      this.#call(() => this.#o.onError?.(item, error));
    }
    this.#spawn();
    return report;
  }

  #itemFrom(s: StoredFeedback): Item {
    return new Item(s.id, s.feedbackTypeId, s.completionId, s.feedback, s.ref);
  }

  ready(): Promise<RestoreReport> {
    return this.#ready;
  }

  get counts(): QueueCounts {
    let unknown = 0;
    for (const f of this.#failed.values()) if (f.deliveryUnknown) unknown++;
    return {
      queued: this.#pending.length,
      inFlight: this.#inFlight,
      delivered: this.#delivered,
      failed: this.#failed.size - unknown,
      unknown,
      retries: this.#retries,
    };
  }

  enqueue(feedbackTypeId: FeedbackTypeId, completionId: CompletionId, feedback: FeedbackInput, options?: { ref?: string | number }): Promise<QueuedFeedback> {
    if (this.#closed) return Promise.reject(new ParadigmQueueClosedError("The feedback queue is closed; nothing was queued."));
    const issues = validateOperation(this.#spec, {
      path: { feedback_type_id: feedbackTypeId, completion_id: completionId },
      body: feedback,
      mediaType: this.#o.rateOptions?.mediaType,
    });
    if (issues.length) return Promise.reject(new ParadigmValidationError(issues));
    // Copied so a caller mutating its object later cannot change what is sent (or what the outbox holds).
    const p = this.#admit(feedbackTypeId, completionId, { ...feedback }, options?.ref);
    this.#admitting.add(p);
    const forget = () => this.#admitting.delete(p);
    p.then(forget, forget);
    return p;
  }

  #occupied(): number {
    return this.#live.size + this.#reserved;
  }

  async #admit(feedbackTypeId: FeedbackTypeId, completionId: CompletionId, feedback: FeedbackInput, ref: string | number | undefined): Promise<QueuedFeedback> {
    await this.#ready;
    // Waiters go first, so "wait" admits in call order.
    if (this.#waiters.length || this.#occupied() >= this.#maxQueued) {
      if (this.#o.whenFull === "reject") throw new ParadigmQueueFullError(this.#maxQueued);
      await new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject })); // the waker reserves our room
    } else this.#reserved++;
    const item = new Item(`${this.#prefix}-${(this.#seq++).toString(36)}`, feedbackTypeId, completionId, feedback, ref);
    try {
      await this.#store?.append({ op: "add", id: item.id, feedback_type_id: feedbackTypeId, completion_id: completionId, feedback, ref });
    } catch (e) {
      this.#reserved--;
      this.#wake();
      throw e;
    }
    this.#reserved--;
    if (this.#stopped) {
      // Durable already: it resumes from the outbox next time.
      item.settle({ status: "stopped", item });
      return item;
    }
    this.#live.add(item);
    this.#pending.push(item);
    this.#spawn();
    return item;
  }

  #wake(): void {
    while (this.#waiters.length && this.#occupied() < this.#maxQueued) {
      this.#reserved++;
      this.#waiters.shift()?.resolve();
    }
  }

  #spawn(): void {
    while (!this.#stopped && this.#workerCount < this.#concurrency && this.#workerCount - this.#inFlight < this.#pending.length) {
      this.#workerCount++;
      const w: Promise<void> = this.#work().finally(() => this.#workers.delete(w));
      this.#workers.add(w);
    }
  }

  async #work(): Promise<void> {
    try {
      for (;;) {
        while (this.#pause && !this.#stopped) await this.#pause;
        if (this.#stopped) return;
        const item = this.#pending.shift();
        if (!item) return;
        this.#inFlight++;
        try {
          await this.#deliver(item);
        } finally {
          this.#inFlight--;
        }
      }
    } finally {
      this.#workerCount--;
    }
  }

  async #deliver(item: Item): Promise<void> {
    try {
      await this.#store?.append({ op: "send", id: item.id });
    } catch (e) {
      // Not sent, and the outbox cannot say so: hold it as failed rather than send it untracked.
      this.#settleFailed(item, e as ParadigmError);
      return;
    }
    item.attempts++;
    let error: ParadigmError;
    try {
      const result = await this.#client.rate(item.feedbackTypeId, item.completionId, item.feedback, { ...this.#o.rateOptions, maxRetries: 0 });
      this.#record({ op: "done", id: item.id });
      this.#delivered++;
      this.#live.delete(item);
      this.#wake();
      item.settle({ status: "delivered", item, result });
      this.#call(() => this.#o.onDelivered?.(item, result));
      return;
    } catch (e) {
      error = e instanceof ParadigmError ? e : new ParadigmError(`rate() failed: ${(e as Error)?.message ?? String(e)}`, { cause: e, deliveryUnknown: true });
    }
    if (error.deliveryUnknown) item.maybeDelivered = true;
    const retryable = mayRetryError(error, this.#o.retryUnknownDelivery === true);
    if (retryable && item.attempts <= this.#maxRetries) {
      const given = error instanceof ParadigmAPIError ? retryAfterMs(error.headers) : undefined;
      const delay = retryDelayMs(item.attempts - 1, given, this.#maxDelay);
      this.#retries++;
      this.#record({ op: "back", id: item.id });
      this.#pauseFor(delay);
      this.#pending.unshift(item);
      this.#call(() => this.#o.onRetry?.(item, error, delay));
      return;
    }
    this.#settleFailed(item, error);
  }

  #settleFailed(item: Item, error: ParadigmError): void {
    if (item.maybeDelivered) (error as { deliveryUnknown: boolean }).deliveryUnknown = true;
    this.#record({ op: "fail", id: item.id, error: toStored(error) });
    this.#live.delete(item);
    this.#wake();
    this.#hold(item, error);
    item.settle(error.deliveryUnknown ? { status: "unknown", item, error } : { status: "failed", item, error });
    this.#call(() => this.#o.onError?.(item, error));
  }

  #hold(item: Item, error: ParadigmError): void {
    this.#failed.set(item.id, { item, error, deliveryUnknown: error.deliveryUnknown });
  }

  // State changes after the send record need not hold up delivery: if one is lost in a crash, the item reads
  // as in flight, the conservative answer. A write error is kept and reported by flush()/close().
  #record(r: Parameters<FeedbackStore["append"]>[0]): void {
    this.#store?.append(r).catch((e: ParadigmError) => {
      this.#storeError ??= e;
    });
  }

  // One pause for the whole queue: workers wait for it before their next request. A later, longer
  // Retry-After extends it; a shorter one does not shorten it.
  #pauseFor(ms: number): void {
    const end = Date.now() + ms;
    if (this.#pause && end <= this.#pauseEnd) return;
    this.#pauseEnd = end;
    const p: Promise<void> = this.#sleep(ms, this.#pauseCtl.signal).then(
      () => {
        if (this.#pause === p) this.#pause = undefined;
      },
      () => {
        if (this.#pause === p) this.#pause = undefined;
      },
    );
    this.#pause = p;
  }

  #call(f: () => void): void {
    try {
      f();
    } catch (e) {
      queueMicrotask(() => {
        throw e;
      });
    }
  }

  failed(): FailedFeedback[] {
    return [...this.#failed.values()];
  }

  async retryFailed(which?: (f: FailedFeedback) => boolean): Promise<QueuedFeedback[]> {
    if (this.#closed) throw new ParadigmQueueClosedError("The feedback queue is closed; nothing was requeued.");
    await this.#ready;
    const chosen = this.failed().filter((f) => !which || which(f));
    for (const f of chosen) {
      await this.#store?.append({ op: "retry", id: f.item.id });
      const item = f.item as Item;
      this.#failed.delete(item.id);
      item.reset();
      this.#live.add(item);
      this.#pending.push(item);
    }
    this.#spawn();
    return chosen.map((f) => f.item);
  }

  async flush(): Promise<void> {
    await this.#ready;
    const admitting = [...this.#admitting].map((p) =>
      p.then(
        (i) => i.outcome,
        () => undefined,
      ),
    );
    await Promise.all([...[...this.#live].map((i) => i.outcome), ...admitting]);
    if (this.#storeError) throw this.#storeError;
    await this.#store?.compact();
  }

  async close(): Promise<void> {
    this.#closed = true;
    try {
      do await this.flush();
      while (this.#live.size || this.#admitting.size);
    } finally {
      if (!this.#stopped) await this.#store?.close();
    }
  }

  async stop(): Promise<QueuedFeedback[]> {
    this.#closed = true;
    this.#stopped = true;
    this.#pauseCtl.abort();
    for (const w of this.#waiters.splice(0)) w.reject(new ParadigmQueueClosedError("The feedback queue was stopped; nothing was queued."));
    await Promise.allSettled([...this.#admitting]);
    while (this.#workers.size) await Promise.all([...this.#workers]);
    const left = this.#pending.drain();
    for (const item of left) {
      this.#live.delete(item);
      item.settle({ status: "stopped", item });
    }
    await this.#store?.close();
    return left;
  }
}
