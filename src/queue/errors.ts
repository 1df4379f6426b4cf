// The queue's own error classes, in one file so that admission, delivery and the entry share one copy of each.
import { ParadigmError } from "../core/errors.ts";
import type { StoredError } from "./store.ts";

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
