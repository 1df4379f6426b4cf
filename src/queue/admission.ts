// Admission, apart from delivery: whether an item may enter the queue (valid per the spec, and room under
// `maxQueued`), and the backpressure when there is none (`whenFull`: wait in call order, or refuse).
import type { FeedbackInput, RatePathParams } from "../client/client.ts";
import { type ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import { rateOperation } from "../spec/prepare.ts";
import { type OperationSpec, validateOperation } from "../spec/validate.ts";
import { ParadigmQueueFullError } from "./errors.ts";
import type { QueuedFeedback } from "./index.ts";

export class Admission {
  readonly #spec: OperationSpec = rateOperation();
  /** Room promised to callers whose item is still being written to the outbox. */
  #reserved = 0;
  #waiters: { resolve: () => void; reject: (e: ParadigmError) => void }[] = [];
  /** enqueue() calls not yet settled, by call number: flush() and close() wait for them too. */
  readonly admitting = new Map<number, Promise<QueuedFeedback>>();
  #calls = 0;

  /** `live`: the items accepted and not settled (queued or in flight). */
  constructor(
    readonly maxQueued: number,
    readonly whenFull: "wait" | "reject" | undefined,
    readonly mediaType: string | undefined,
    readonly live: () => number,
  ) {}

  /** The validation error for an item, checked before anything is queued or written; undefined if valid. */
  invalid(
    feedbackTypeId: RatePathParams["feedback_type_id"],
    completionId: RatePathParams["completion_id"],
    feedback: FeedbackInput,
  ): ParadigmValidationError | undefined {
    const issues = validateOperation(this.#spec, {
      path: { feedback_type_id: feedbackTypeId, completion_id: completionId },
      body: feedback,
      mediaType: this.mediaType,
    });
    return issues.length ? new ParadigmValidationError(issues) : undefined;
  }

  /**
   * The key of an enqueue() call in `admitting`. The call's asynchronous part removes its own entry in a
   * `finally` (no extra promise or reaction per item, as `p.then(forget, forget)` would cost).
   */
  nextKey(): number {
    return this.#calls++;
  }

  #occupied(): number {
    return this.live() + this.#reserved;
  }

  /**
   * Reserves room for one item: at once (returns undefined: no promise, no microtask, the common case), or a
   * promise that resolves once there is room (in call order); throws ParadigmQueueFullError for "reject".
   */
  reserve(): Promise<void> | undefined {
    // Waiters go first, so "wait" admits in call order.
    if (this.#waiters.length || this.#occupied() >= this.maxQueued) {
      if (this.whenFull === "reject") throw new ParadigmQueueFullError(this.maxQueued);
      return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject })); // the waker reserves our room
    }
    this.#reserved++;
    return undefined;
  }

  /** Gives back a reservation: the item is now live (counted by `live`), or was not accepted (then wake()). */
  release(): void {
    this.#reserved--;
  }

  /** Lets waiting callers in while there is room: called whenever an item leaves `live` or a reservation is dropped. */
  wake(): void {
    while (this.#waiters.length && this.#occupied() < this.maxQueued) {
      this.#reserved++;
      this.#waiters.shift()?.resolve();
    }
  }

  /** Refuses every waiting caller (stop()). */
  refuseWaiters(error: () => ParadigmError): void {
    for (const w of this.#waiters.splice(0)) w.reject(error());
  }
}
