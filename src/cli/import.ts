// Bulk import of ratings from JSONL or CSV through the delivery queue, resumable from a checkpoint.
//
// The checkpoint is the queue's file outbox. Every accepted row is written to it (with its row number as
// `ref`) before it is sent, so the outbox's last ref is a cursor: on resume, rows up to it are skipped (they
// were delivered, failed, or are still in the outbox and resume from there), and reading picks up after it.
// Rows are accepted in file order, so no row can be both in the outbox and after the cursor.
//
// The checkpoint also records a hash of the input as it was. A file that only grew (rows appended) keeps its
// earlier rows byte for byte, so it is accepted and only the new rows are sent; a file whose imported rows
// changed is refused, since the cursor would then point at other rows.
//
// runImport orchestrates the units that hold each concern: import-paths.ts (refusals before anything is
// created), fingerprint.ts (the source hash), rows.ts (reading), checkpoint.ts (opening the outbox), report.ts,
// progress.ts (accounting); the loop that feeds the queue is below.
import { createHash } from "node:crypto";
import type { ParadigmClient } from "../client/client.ts";
import { ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import { createFeedbackQueue, type FeedbackQueue, type FeedbackQueueOptions, type FeedbackStore, ParadigmQueueClosedError } from "../queue/index.ts";
import { openCheckpoint } from "./checkpoint.ts";
import { fingerprint, peekSource } from "./fingerprint.ts";
import { ParadigmImportError } from "./import-error.ts";
import { importPaths } from "./import-paths.ts";
import { type ImportProgress, Tally } from "./progress.ts";
import { heldEntry, type Report, reason } from "./report.ts";
import { checkHeader, formatOf, type ImportFormat, type Rating, type ReadOptions, readRows } from "./rows.ts";

export { ParadigmImportError } from "./import-error.ts";
export type { ImportProgress } from "./progress.ts";
export { formatOf, type ImportFormat, type Rating, type RatingField, type ReadOptions, ratingFields, readRows, type SourceRow, typeCell } from "./rows.ts";

export interface ImportSummary extends ImportProgress {
  /** Rows skipped because a previous run had already taken them (see the checkpoint). */
  skipped: number;
  /** CSV rows with only empty cells (`,,`, a line of spaces): not imported, not rejected. */
  blank: number;
  /** Rows whose content (type, completion and fields) repeats an earlier row of the file. Sent anyway unless `dedupe`. */
  duplicates: number;
  /** Report entries that were not rejected rows (with `fromReport`): the original import resends those. */
  ignored: number;
  /**
   * Of `delivered`, the items an earlier run left in the checkpoint (undelivered, or resent by `retryFailed` /
   * `retryUnknown`): never more than `delivered`. Their rows are among `skipped`.
   */
  resumed: number;
  /** True when the signal stopped the import; rerunning resumes it. */
  interrupted: boolean;
  checkpoint: string;
  report: string;
}

export interface ImportOptions extends ReadOptions {
  file: string;
  /** @default from the file extension (.csv, .jsonl or .ndjson) */
  format?: ImportFormat | undefined;
  /** @default `<file>.checkpoint.jsonl` */
  checkpoint?: string | undefined;
  /** @default `<file>.report.jsonl` */
  report?: string | undefined;
  /** Replace an existing report file that is not this import's own. @default false (refused) */
  overwriteReport?: boolean | undefined;
  /** Send a row only if no earlier row of the file had the same content. @default false (duplicates are sent and counted) */
  dedupe?: boolean | undefined;
  /** @default 4 */
  concurrency?: number | undefined;
  /** Requeue items that failed definitively in a previous run. @default false */
  retryFailed?: boolean | undefined;
  /** Requeue items whose delivery was unknown in a previous run (they may be logged twice). @default false */
  retryUnknown?: boolean | undefined;
  /** Aborting stops reading and sending; requests in flight finish; everything else stays in the checkpoint. */
  signal?: AbortSignal | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
  /**
   * Called once the checkpoint is open and its items restored, with a function that tells the summary so far. The
   * CLI prints it when a second Ctrl-C quits before the run ends (the requests then in flight are its `inFlight`).
   */
  onStart?: ((summary: () => ImportSummary) => void) | undefined;
  /** @default 1000 */
  progressMs?: number | undefined;
  /** Passed to the queue (tests inject `sleep`). */
  queue?: Pick<FeedbackQueueOptions, "sleep" | "maxRetries" | "maxQueued" | "rateOptions"> | undefined;
}

/** A hash of a row's content, for `dedupe`: type, completion and fields, in a stable key order. */
function contentKey(r: Rating): string {
  const body = r.feedback as Record<string, unknown>;
  const sorted = Object.keys(body)
    .sort()
    .map((k) => [k, body[k]]);
  return createHash("sha256")
    .update(JSON.stringify([r.feedbackTypeId, r.completionId, sorted]))
    .digest("base64")
    .slice(0, 22);
}

/** Imports every row of `file` through a queue over `client`. Resolves with the summary; never drops a row silently. */
export async function runImport(client: Pick<ParadigmClient, "rate">, o: ImportOptions): Promise<ImportSummary> {
  const format = o.fromReport ? "jsonl" : (o.format ?? formatOf(o.file));
  if (!format) throw new ParadigmImportError(`Cannot tell the format of ${o.file} from its extension: pass --format csv or --format jsonl.`);
  // Paths first: nothing may be created (or truncated) before they are known to be usable and distinct.
  const paths = importPaths(o);
  const peek = paths.checkpointWasThere ? await peekSource(paths.checkpoint) : undefined;
  const hashed = await fingerprint(o.file, typeof peek?.size === "number" ? peek.size : undefined);
  // Check the header before a checkpoint exists: a file refused here can be fixed and rerun as is.
  if (format === "csv") await checkHeader(o.file, o);
  const { store, report, source, held } = await openCheckpoint(o.file, format, paths, hashed, peek?.size, o.overwriteReport);

  // Known before the queue starts: it may deliver a restored item before ready() resolves.
  const tally = new Tally(source.size, new Set(held.map((i) => i.ref)));
  const queue = createFeedbackQueue(client, {
    ...o.queue,
    concurrency: o.concurrency ?? 4,
    store,
    onDelivered: (item) => tally.deliver(item.ref),
    onError: (item, error) => {
      if (tally.started) tally.settledErrors++;
      report.write(heldEntry(item, error, error.deliveryUnknown));
    },
  });
  const restored = await queue.ready();
  for (const f of queue.failed()) report.write(heldEntry(f.item, f.error, f.deliveryUnknown));
  tally.started = true;
  // The checkpoint's items this run sends: queued again, resent after a crash, or retried.
  const work = new Set<unknown>(held.filter((i) => i.state === "pending").map((i) => i.ref));
  if (restored.resent) for (const i of restored.interrupted) work.add(i.ref);
  if (o.retryFailed || o.retryUnknown)
    for (const i of await queue.retryFailed((f) => (f.deliveryUnknown ? o.retryUnknown === true : o.retryFailed === true))) work.add(i.ref);
  const cursor = typeof restored.lastRef === "number" ? restored.lastRef : 0;
  tally.begin(work, cursor);
  const progress = () => tally.progress(queue.counts, report.rejected);
  const summary = (): ImportSummary => {
    const { skipped, blank, duplicates, ignored, resumed } = tally;
    return {
      ...progress(),
      skipped,
      blank,
      duplicates,
      ignored,
      resumed,
      interrupted: o.signal?.aborted === true,
      checkpoint: paths.checkpoint,
      report: paths.report,
    };
  };
  o.onStart?.(summary);

  const timer = o.onProgress ? setInterval(() => o.onProgress?.(progress()), o.progressMs ?? 1000) : undefined;
  const ctl = stopControl(queue, o.signal);
  try {
    const fatal = await feedRows(o, format, queue, store, report, tally, cursor);
    try {
      await settle(queue, fatal, o.signal, ctl);
    } finally {
      if (timer) clearInterval(timer);
    }
  } finally {
    ctl.dispose();
  }
  // Every item settled (not stopped midway): report entries of rows a retry delivered are dropped.
  if (!ctl.stopping) report.keepHeld(queue.failed().map((f) => heldEntry(f.item, f.error, f.deliveryUnknown)));
  return summary();
}

/** Stops the queue once, on abort or on demand. Listening until disposed: Ctrl-C after the last row is read must still stop the sending. */
function stopControl(queue: FeedbackQueue, signal: AbortSignal | undefined) {
  let stopping: Promise<unknown> | undefined;
  const stop = () => {
    stopping ??= queue.stop();
  };
  signal?.addEventListener("abort", stop, { once: true });
  if (signal?.aborted) stop();
  return {
    stop,
    get stopping() {
      return stopping;
    },
    dispose: () => signal?.removeEventListener("abort", stop),
  };
}

/** Ends the run: a fatal error or an abort stops the queue (the rest stays in the checkpoint); otherwise close() drains it. */
async function settle(queue: FeedbackQueue, fatal: unknown, signal: AbortSignal | undefined, ctl: ReturnType<typeof stopControl>): Promise<void> {
  if (fatal || signal?.aborted) {
    ctl.stop();
    await ctl.stopping;
    if (fatal) throw fatal instanceof ParadigmError ? fatal : new ParadigmImportError(String((fatal as Error)?.message ?? fatal), { cause: fatal });
  } else await queue.close();
  // Ctrl-C while close() drained the queue: it stopped there, and the rest stays in the checkpoint.
  if (ctl.stopping) await ctl.stopping;
}

/**
 * Reads the rows after `cursor` into the queue, in file order, and counts or reports the others. Resolves with the
 * error that stopped it (undefined if none): the caller stops the queue then.
 */
async function feedRows(
  o: ImportOptions,
  format: ImportFormat,
  queue: FeedbackQueue,
  store: FeedbackStore,
  report: Report,
  tally: Tally,
  cursor: number,
): Promise<unknown> {
  let fatal: unknown;
  let lastRow = cursor;
  const seen = new Set<string>();
  try {
    // Up to WINDOW enqueue() calls at once, so outbox writes are grouped; they are accepted in call (file) order.
    const WINDOW = 512;
    const pending = new Set<Promise<void>>();
    for await (const r of readRows(o.file, format, (b) => tally.mark(b), o)) {
      if (o.signal?.aborted || fatal) break;
      tally.rowsRead++;
      lastRow = r.row;
      const key = r.rating ? contentKey(r.rating) : undefined;
      const repeat = key !== undefined && seen.has(key);
      if (repeat) tally.duplicates++;
      else if (key !== undefined) seen.add(key);
      if (r.row <= cursor) {
        tally.skip(r.row);
        continue;
      }
      if (r.skip === "blank") {
        tally.blank++;
        continue;
      }
      if (r.skip === "ignored") {
        tally.ignored++;
        continue;
      }
      if (!r.rating) {
        tally.notSent++;
        report.write({ row: r.row, line: r.line, status: "rejected", reason: r.error ?? "unreadable", format: r.csv && "csv", input: r.input });
        continue;
      }
      if (repeat && o.dedupe) {
        tally.notSent++;
        continue;
      }
      const p: Promise<void> = queue.enqueue(r.rating.feedbackTypeId, r.rating.completionId, r.rating.feedback, { ref: r.row }).then(
        () => {
          pending.delete(p);
        },
        (e: unknown) => {
          pending.delete(p);
          if (e instanceof ParadigmValidationError) {
            tally.notSent++;
            report.write({ row: r.row, line: r.line, status: "rejected", reason: reason(e), format: r.csv && "csv", input: r.input });
          } else if (!(e instanceof ParadigmQueueClosedError)) fatal ??= e; // closed: stopped; the row is read again on resume
        },
      );
      pending.add(p);
      if (pending.size >= WINDOW) await Promise.race(pending);
    }
    tally.readAll = !o.signal?.aborted && !fatal;
    await Promise.all(pending);
    // Every row read is now in the outbox or reported: move the cursor past trailing rejected rows too, so a
    // rerun of a finished import reads nothing. (Not earlier: a row still waiting for room must stay after it.)
    if (!fatal && !o.signal?.aborted && lastRow > cursor) await store.append({ op: "meta", lastRef: lastRow });
  } catch (e) {
    fatal ??= e;
  }
  return fatal;
}
