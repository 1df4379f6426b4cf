// The `paradigm-client/queue` entry: a delivery queue for feedback at volume. The main entry never imports it.
//
// Each item is validated when enqueued (the same spec-derived validator as rate()), then delivered in the
// background by at most `concurrency` workers. Failures that prove nothing was logged (429, 408, 503 with
// Retry-After, connection refused: src/core/delivery.ts's rule, as rate()'s) are retried by the queue itself, and a server's Retry-After pauses the
// whole queue, not just one item: a rate limit is about the client, not the request. Everything else settles
// the item as failed, and the item is kept (with its error) until the caller retries or drops it.
//
// This file is the entry's public surface. The units behind it: admission.ts (validation, maxQueued and
// whenFull), pause.ts (the queue-wide pause), queue.ts (delivery, settlement, restore, flush/close/stop),
// item.ts and errors.ts (what they share), and the outbox: store.ts, store-replay.ts, store-lock.ts.
import type { FeedbackInput, ParadigmClient, RateOptions, RatePathParams, RateResult } from "../client/client.ts";
import { errorDelivery } from "../core/delivery.ts";
import type { ParadigmError } from "../core/errors.ts";
import { Queue } from "./queue.ts";
import type { FeedbackStore } from "./store.ts";

export { ParadigmQueueClosedError, ParadigmQueueFullError, ParadigmRestoredError } from "./errors.ts";
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
