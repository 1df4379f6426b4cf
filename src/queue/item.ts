// What the queue's units share: an item as the queue holds it, the FIFO of items waiting, and an error as
// the outbox stores it.
import type { FeedbackInput, RatePathParams } from "../client/client.ts";
import { ParadigmAPIError, type ParadigmError } from "../core/errors.ts";
import type { FeedbackOutcome, QueuedFeedback } from "./index.ts";
import type { StoredError } from "./store.ts";

export class Item implements QueuedFeedback {
  attempts = 0;
  /** An attempt may have been logged: every later failure of this item is delivery-unknown too. */
  maybeDelivered = false;
  // The outcome promise is made on first read: most items are never asked for theirs (enqueue in a loop, then
  // close()), and a pending promise plus its resolver per item was a measurable share of the queue's own cost.
  #settled: FeedbackOutcome | undefined;
  #outcome: Promise<FeedbackOutcome> | undefined;
  #resolve: ((o: FeedbackOutcome) => void) | undefined;
  constructor(
    readonly id: string,
    readonly feedbackTypeId: RatePathParams["feedback_type_id"],
    readonly completionId: RatePathParams["completion_id"],
    readonly feedback: FeedbackInput,
    readonly ref: string | number | undefined,
  ) {}
  get outcome(): Promise<FeedbackOutcome> {
    if (!this.#outcome) {
      const done = this.#settled;
      this.#outcome = done
        ? Promise.resolve(done)
        : new Promise((resolve) => {
            this.#resolve = resolve;
          });
    }
    return this.#outcome;
  }
  /** Settles this round's outcome; later calls in the same round are ignored, as a promise's are. */
  settle(o: FeedbackOutcome): void {
    if (this.#settled) return;
    this.#settled = o;
    this.#resolve?.(o);
  }
  /** A new delivery round (retryFailed()): a fresh outcome; a promise read before keeps the old round's. */
  reset(): void {
    this.attempts = 0;
    this.#settled = undefined;
    this.#outcome = undefined;
    this.#resolve = undefined;
  }
}

/** A FIFO with cheap pushes at either end (retried items go to the front). */
export class Deque<T> {
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

export const toStored = (e: ParadigmError): StoredError => ({
  name: e.name,
  message: e.message,
  status: e instanceof ParadigmAPIError ? e.status : undefined,
  deliveryUnknown: e.deliveryUnknown,
});
