// Progress accounting of an import run: what was read, what settled, and the estimate of the work to come.
import type { QueueCounts } from "../queue/index.ts";

export interface ImportProgress {
  /** Bytes of the input parsed so far (whole chunks). */
  bytesRead: number;
  totalBytes: number;
  /** Rows read in this run (skipped ones included). */
  rowsRead: number;
  /**
   * Work finished in this run: rows read and settled (delivered, rejected, failed, unknown, skipped, blank,
   * ignored or deduplicated) and items resumed from the checkpoint that settled. Rows still queued or in
   * flight are not done, so an interrupted run's count is what it really finished.
   */
  rowsDone: number;
  /**
   * The work of this run: the rows it will read plus the items resumed from the checkpoint. Exact once the file
   * is read (`rowsExact`); before that, estimated from the bytes parsed, and 0 (unknown) until a chunk is parsed.
   */
  rowsExpected: number;
  rowsExact: boolean;
  /** Delivered in this run. */
  delivered: number;
  /** Invalid rows, in this run and earlier runs of the same import (the report's count). */
  rejected: number;
  /** Held in the checkpoint after a definitive failure (this run or earlier ones). */
  failed: number;
  /** Held in the checkpoint with unknown delivery (this run or earlier ones). */
  unknown: number;
  queued: number;
  inFlight: number;
  retries: number;
  elapsedMs: number;
}

/** The counters of one run. The queue's callbacks and the reading loop bump them; `progress()` reports them. */
export class Tally {
  delivered = 0;
  /** Errors settled in this run; errors that ready() reports for items held earlier are not this run's work. */
  settledErrors = 0;
  started = false;
  bytesRead = 0;
  rowsRead = 0;
  /** Rows read when `bytesRead` was last reported: the rows those bytes held. */
  rowsAtMark = 0;
  skipped = 0;
  blank = 0;
  ignored = 0;
  duplicates = 0;
  /** Rows of this run finished without a request: rejected, or duplicates left out by `dedupe`. */
  notSent = 0;
  readAll = false;
  /** Items resumed from the checkpoint (restored, resent or retried). */
  resumed = 0;
  #t0 = performance.now();
  constructor(readonly totalBytes: number) {}

  /** Starts the clock, once the checkpoint's items are restored: `resumed` of them are this run's work too. */
  begin(resumed: number): void {
    this.resumed = resumed;
    this.#t0 = performance.now();
  }

  /** Every row read so far came from the first `bytes` bytes. */
  mark(bytes: number): void {
    this.bytesRead = bytes;
    this.rowsAtMark = this.rowsRead;
  }

  progress(c: QueueCounts, rejected: number): ImportProgress {
    const { bytesRead, rowsRead, totalBytes, readAll } = this;
    const rowsExpected = readAll ? rowsRead : bytesRead ? Math.max(rowsRead, Math.round((this.rowsAtMark * totalBytes) / bytesRead)) : 0;
    return {
      bytesRead,
      totalBytes,
      rowsRead,
      rowsDone: this.skipped + this.blank + this.ignored + this.notSent + this.delivered + this.settledErrors,
      rowsExpected: rowsExpected ? rowsExpected + this.resumed : 0,
      rowsExact: readAll,
      delivered: this.delivered,
      rejected,
      failed: c.failed,
      unknown: c.unknown,
      queued: c.queued,
      inFlight: c.inFlight,
      retries: c.retries,
      elapsedMs: performance.now() - this.#t0,
    };
  }
}
