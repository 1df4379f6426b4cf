// Delivery and settlement, apart from admission and the pause: workers take items in order, record each
// attempt in the outbox, and settle it (delivered, retried after a pause, or held as failed); plus restore on
// start and the flush/close/stop lifecycle.
import { randomBytes } from "node:crypto";
import type { FeedbackInput, ParadigmClient, RateOptions, RatePathParams } from "../client/client.ts";
import { finiteAtLeast, integerAtLeast, oneOf } from "../client/options.ts";
import { mayRetryError, retryAfterMs, retryDelayMs, sleep } from "../core/delivery.ts";
import { ParadigmAPIError, ParadigmError } from "../core/errors.ts";
import { Admission } from "./admission.ts";
import { ParadigmQueueClosedError, ParadigmRestoredError } from "./errors.ts";
import type { FailedFeedback, FeedbackQueue, FeedbackQueueOptions, QueueCounts, QueuedFeedback, RestoreReport } from "./index.ts";
import { Deque, Item, toStored } from "./item.ts";
import { QueuePause } from "./pause.ts";
import type { FeedbackStore, StoredFeedback } from "./store.ts";

type FeedbackTypeId = RatePathParams["feedback_type_id"];
type CompletionId = RatePathParams["completion_id"];

export class Queue implements FeedbackQueue {
  readonly #client: Pick<ParadigmClient, "rate">;
  readonly #store: FeedbackStore | undefined;
  readonly #o: FeedbackQueueOptions;
  readonly #concurrency: number;
  readonly #maxRetries: number;
  readonly #maxDelay: number;
  readonly #admission: Admission;
  readonly #pause: QueuePause;
  /** What every rate() call gets, made once: the queue does its own retries. */
  readonly #rateOptions: RateOptions;
  readonly #onDelivered: FeedbackQueueOptions["onDelivered"];
  readonly #prefix = randomBytes(4).toString("hex");
  #seq = 0;

  #pending = new Deque<Item>();
  #live = new Set<Item>(); // accepted, not settled: pending or in flight
  #failed = new Map<string, FailedFeedback>();
  #workers = new Set<Promise<void>>();
  #workerCount = 0; // decremented the moment a worker leaves its loop, so #spawn never counts a leaving worker
  #inFlight = 0;
  #delivered = 0;
  #retries = 0;
  #closed = false;
  #stopped = false;
  #storeError: ParadigmError | undefined;
  #ready: Promise<RestoreReport>;

  constructor(client: Pick<ParadigmClient, "rate">, o: FeedbackQueueOptions) {
    this.#client = client;
    this.#o = o;
    this.#store = o.store;
    // Bad options throw ParadigmConfigError, as the client's do; the defaults are those of FeedbackQueueOptions' @default.
    this.#concurrency = integerAtLeast("concurrency", o.concurrency, 4, 1);
    const maxQueued = integerAtLeast("maxQueued", o.maxQueued, 1000, 1);
    this.#maxRetries = integerAtLeast("maxRetries", o.maxRetries, 10, 0);
    this.#maxDelay = finiteAtLeast("maxRetryDelayMs", o.maxRetryDelayMs, 60_000, 0);
    this.#pause = new QueuePause(o.sleep ?? sleep);
    oneOf("whenFull", o.whenFull, "wait", ["wait", "reject"]);
    oneOf("inFlightOnRestart", o.inFlightOnRestart, "hold", ["hold", "resend"]);
    this.#rateOptions = { ...o.rateOptions, maxRetries: 0 };
    this.#onDelivered = o.onDelivered;
    const mediaType = o.rateOptions?.mediaType;
    this.#admission = new Admission(maxQueued, o.whenFull, mediaType, () => this.#live.size);
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
    const invalid = this.#admission.invalid(feedbackTypeId, completionId, feedback);
    if (invalid) return Promise.reject(invalid);
    // Copied so a caller mutating its object later cannot change what is sent (or what the outbox holds).
    const key = this.#admission.nextKey();
    const admitted = this.#admit(key, feedbackTypeId, completionId, { ...feedback }, options?.ref);
    // #admit awaits before its `finally` removes the key, so this insertion always comes first.
    this.#admission.admitting.set(key, admitted);
    return admitted;
  }

  async #admit(
    key: number,
    feedbackTypeId: FeedbackTypeId,
    completionId: CompletionId,
    feedback: FeedbackInput,
    ref: string | number | undefined,
  ): Promise<QueuedFeedback> {
    try {
      await this.#ready;
      // reserve() returns undefined when there is room; awaiting it anyway keeps admission's microtask steps as
      // they were (callers and tests see the same interleaving of admission and delivery).
      await this.#admission.reserve();
      const item = new Item(`${this.#prefix}-${(this.#seq++).toString(36)}`, feedbackTypeId, completionId, feedback, ref);
      try {
        await this.#store?.append({ op: "add", id: item.id, feedback_type_id: feedbackTypeId, completion_id: completionId, feedback, ref });
      } catch (e) {
        this.#admission.release();
        this.#admission.wake();
        throw e;
      }
      this.#admission.release();
      if (this.#stopped) {
        // Durable already: it resumes from the outbox next time.
        item.settle({ status: "stopped", item });
        return item;
      }
      this.#live.add(item);
      this.#pending.push(item);
      this.#spawn();
      return item;
    } finally {
      this.#admission.admitting.delete(key);
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
        while (this.#pause.current && !this.#stopped) await this.#pause.current;
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
      const result = await this.#client.rate(item.feedbackTypeId, item.completionId, item.feedback, this.#rateOptions);
      if (this.#store) this.#record({ op: "done", id: item.id });
      this.#delivered++;
      this.#live.delete(item);
      this.#admission.wake();
      item.settle({ status: "delivered", item, result });
      const hook = this.#onDelivered;
      if (hook) this.#call(() => hook(item, result));
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
      if (this.#store) this.#record({ op: "back", id: item.id });
      this.#pause.pauseFor(delay);
      this.#pending.unshift(item);
      this.#call(() => this.#o.onRetry?.(item, error, delay));
      return;
    }
    this.#settleFailed(item, error);
  }

  #settleFailed(item: Item, error: ParadigmError): void {
    if (item.maybeDelivered) (error as { deliveryUnknown: boolean }).deliveryUnknown = true;
    if (this.#store) this.#record({ op: "fail", id: item.id, error: toStored(error) });
    this.#live.delete(item);
    this.#admission.wake();
    this.#hold(item, error);
    item.settle(error.deliveryUnknown ? { status: "unknown", item, error } : { status: "failed", item, error });
    this.#call(() => this.#o.onError?.(item, error));
  }

  #hold(item: Item, error: ParadigmError): void {
    this.#failed.set(item.id, { item, error, deliveryUnknown: error.deliveryUnknown });
  }

  // State changes after the send record need not hold up delivery: if one is lost in a crash, the item reads
  // as in flight, the conservative answer. A write error is kept and reported by flush()/close(). Callers test
  // for a store first, so no record object is built per item without one.
  #record(r: Parameters<FeedbackStore["append"]>[0]): void {
    this.#store?.append(r).catch((e: ParadigmError) => {
      this.#storeError ??= e;
    });
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
    const admitting = [...this.#admission.admitting.values()].map((p) =>
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
      while (this.#live.size || this.#admission.admitting.size);
    } finally {
      if (!this.#stopped) await this.#store?.close();
    }
  }

  async stop(): Promise<QueuedFeedback[]> {
    this.#closed = true;
    this.#stopped = true;
    this.#pause.abort();
    this.#admission.refuseWaiters(() => new ParadigmQueueClosedError("The feedback queue was stopped; nothing was queued."));
    await Promise.allSettled([...this.#admission.admitting.values()]);
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
