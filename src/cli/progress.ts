// Progress accounting of an import run: what was read, what settled, and the estimate of the work to come.
import type { QueueCounts } from "../queue/index.ts";

export interface ImportProgress {
  /** Bytes of the input parsed so far (whole chunks). */
  bytesRead: number;
  totalBytes: number;
  /** Rows read in this run (skipped ones included). */
  rowsRead: number;
  /**
   * Rows of the file whose work is finished, each counted once: rows settled in this run (delivered, rejected,
   * failed, unknown, blank, ignored or deduplicated), and rows skipped because an earlier run took them. A skipped
   * row whose item this run sends from the checkpoint (resumed or retried) is done when that item settles, not when
   * it is skipped. So an interrupted run counts what it really finished, and `rowsDone ≤ rowsExpected` once the count
   * is exact (`rowsDone === rowsRead` when a run settled everything).
   */
  rowsDone: number;
  /**
   * The rows of the file, the ones skipped or resumed from the checkpoint included. Exact once the file is read
   * (`rowsExact`, then equal to `rowsRead`); before that, estimated from the bytes parsed (never fewer than the rows
   * the checkpoint says were taken), and 0 (unknown) until a chunk is parsed.
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
  /** Of `delivered`, the items that came from the checkpoint (see ImportSummary.resumed). */
  resumed = 0;
  /** Skipped rows that were done before this run: not among `#work`. */
  #skippedDone = 0;
  /** Refs of the checkpoint's items this run sends: their rows are done when they settle. */
  #work: ReadonlySet<unknown> = new Set();
  /** Rows the checkpoint says were taken: the file has at least that many. */
  #cursor = 0;
  #t0 = performance.now();
  /** `fromCheckpoint`: refs of the items the checkpoint held when opened. */
  constructor(
    readonly totalBytes: number,
    readonly fromCheckpoint: ReadonlySet<unknown> = new Set(),
  ) {}

  /** Starts the clock, once the checkpoint's items are restored: those in `work` are this run's to settle. */
  begin(work: ReadonlySet<unknown>, cursor: number): void {
    this.#work = work;
    this.#cursor = cursor;
    this.#t0 = performance.now();
  }

  deliver(ref: unknown): void {
    this.delivered++;
    if (this.fromCheckpoint.has(ref)) this.resumed++;
  }

  /** A row an earlier run took (row ≤ the cursor). */
  skip(row: number): void {
    this.skipped++;
    if (!this.#work.has(row)) this.#skippedDone++;
  }

  /** Every row read so far came from the first `bytes` bytes. */
  mark(bytes: number): void {
    this.bytesRead = bytes;
    this.rowsAtMark = this.rowsRead;
  }

  progress(c: QueueCounts, rejected: number): ImportProgress {
    const { bytesRead, rowsRead, totalBytes, readAll } = this;
    const rowsExpected = readAll ? rowsRead : bytesRead ? Math.max(rowsRead, this.#cursor, Math.round((this.rowsAtMark * totalBytes) / bytesRead)) : 0;
    return {
      bytesRead,
      totalBytes,
      rowsRead,
      rowsDone: this.#skippedDone + this.blank + this.ignored + this.notSent + this.delivered + this.settledErrors,
      rowsExpected,
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
