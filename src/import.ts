// Bulk import of ratings from JSONL or CSV through the delivery queue, resumable from a checkpoint.
//
// The checkpoint is the queue's file outbox. Every accepted row is written to it (with its row number as
// `ref`) before it is sent, so the outbox's last ref is a cursor: on resume, rows up to it are skipped (they
// were delivered, failed, or are still in the outbox and resume from there), and reading picks up after it.
// Rows are accepted in file order, so no row can be both in the outbox and after the cursor.
import { createHash } from "node:crypto";
import { appendFileSync, createReadStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { schemas } from "../generated/operations.ts";
import type { FeedbackInput, ParadigmClient } from "./client.ts";
import { CsvParser, type CsvRecord } from "./csv.ts";
import { ParadigmError, ParadigmValidationError } from "./errors.ts";
import { createFeedbackQueue, type FeedbackQueueOptions, fileStore, ParadigmQueueClosedError, type QueuedFeedback } from "./queue.ts";
import { operationSpec, type Schema } from "./validate.ts";

const RATE_PATH = "/api/v2/rate/{feedback_type_id}/{completion_id}";

/** The input can't be imported as given (unknown column, a checkpoint made for another file). Nothing was sent. */
export class ParadigmImportError extends ParadigmError {
  override name = "ParadigmImportError";
}

/** A field a row (or a `rate` flag) can set: the rate operation's path parameters and writable body properties. */
export interface RatingField {
  name: string;
  in: "path" | "body";
  schema: Schema;
  required: boolean;
}

const SCHEMAS = schemas as unknown as Record<string, Schema>;
const deref = (s: Schema | undefined): Schema | undefined => (s?.$ref ? deref(SCHEMAS[s.$ref]) : s);

/** Read from the generated operation table: a new body property in the spec is a new column and a new flag. */
export function ratingFields(): RatingField[] {
  const op = operationSpec("POST", RATE_PATH);
  if (!op) throw new ParadigmError(`The generated operation table has no POST ${RATE_PATH}; rerun npm run generate.`);
  const fields: RatingField[] = (op.path ?? []).map((p) => ({ name: p.name, in: "path", schema: p.schema, required: true }));
  // Path parameters first, in URL order.
  fields.sort((a, b) => RATE_PATH.indexOf(`{${a.name}}`) - RATE_PATH.indexOf(`{${b.name}}`));
  const body = deref(op.body?.content["application/json"]);
  for (const [name, schema] of Object.entries(body?.properties ?? {})) {
    if (!schema.readOnly) fields.push({ name, in: "body", schema, required: body?.required?.includes(name) ?? false });
  }
  return fields;
}

const NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * Types a text cell by the field's schema: "true"/"false" for booleans, numerals for numbers, text as is.
 * An unquoted empty cell is null. Text that does not fit stays text, so the validator names the problem.
 */
export function typeCell(schema: Schema | undefined, text: string, quoted = false): unknown {
  if (!quoted && text === "") return null;
  const s = deref(schema);
  const type = s?.type ?? (s?.oneOf || s?.anyOf ? undefined : "string");
  const bool = /^(true|false)$/i.test(text.trim()) ? text.trim().toLowerCase() === "true" : undefined;
  if (type === "boolean") return bool ?? text;
  if (type === "number" || type === "integer") return NUMBER.test(text) ? Number(text) : text;
  if (type === "string") return text;
  return bool ?? (NUMBER.test(text) ? Number(text) : text);
}

export interface Rating {
  feedbackTypeId: number;
  completionId: string;
  feedback: FeedbackInput;
}

/** One data row of the input. `row` counts data rows from 1 (no header, no blank lines); `line` is where it starts. */
export interface SourceRow {
  row: number;
  line: number;
  /** The row as read (strings for CSV), for the report. */
  input: unknown;
  rating?: Rating;
  /** Why the row cannot be a rating (bad JSON, wrong number of cells…). */
  error?: string;
}

/** Splits an object with the API's names into path parameters and body. */
function toRating(o: Record<string, unknown>): Rating {
  const { feedback_type_id, completion_id, ...feedback } = o;
  return { feedbackTypeId: feedback_type_id as number, completionId: completion_id as string, feedback: feedback as FeedbackInput };
}

export type ImportFormat = "csv" | "jsonl";

export function formatOf(file: string): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.(jsonl|ndjson)$/i.test(file)) return "jsonl";
  return undefined;
}

/**
 * Reads rows one by one (streaming). `progress` is called after each chunk with the bytes whose rows have all
 * been yielded (not the bytes buffered ahead). A bad header throws ParadigmImportError.
 */
export async function* readRows(file: string, format: ImportFormat, progress?: (bytes: number) => void): AsyncGenerator<SourceRow> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 });
  try {
    if (format === "csv") yield* csvRows(stream, progress);
    else yield* jsonlRows(stream, progress);
  } finally {
    stream.destroy();
  }
}

async function* csvRows(stream: AsyncIterable<string>, progress?: (bytes: number) => void): AsyncGenerator<SourceRow> {
  const parser = new CsvParser();
  const fields = new Map(ratingFields().map((f) => [f.name, f]));
  let header: string[] | undefined;
  let row = 0;
  const rows = function* (records: CsvRecord[]): Generator<SourceRow> {
    for (const r of records) {
      if (!header) {
        header = r.fields.map((f) => f.value.trim());
        if (r.error) throw new ParadigmImportError(`The CSV header (line ${r.line}) is malformed: ${r.error}.`);
        const unknown = header.filter((h) => !fields.has(h));
        if (unknown.length) {
          throw new ParadigmImportError(
            `Unknown CSV column${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => JSON.stringify(u)).join(", ")}; known: ${[...fields.keys()].join(", ")}.`,
          );
        }
        const twice = header.filter((h, i) => header?.indexOf(h) !== i);
        if (twice.length) throw new ParadigmImportError(`CSV column ${JSON.stringify(twice[0])} appears twice in the header.`);
        const missing = [...fields.values()].filter((f) => f.required && !header?.includes(f.name)).map((f) => f.name);
        if (missing.length) throw new ParadigmImportError(`The CSV header lacks the required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}.`);
        continue;
      }
      row++;
      const input = Object.fromEntries(r.fields.map((f, i) => [header?.[i] ?? `#${i + 1}`, f.value]));
      if (r.error) yield { row, line: r.line, input, error: `malformed CSV: ${r.error}` };
      else if (r.fields.length !== header.length) {
        yield { row, line: r.line, input, error: `has ${r.fields.length} cell${r.fields.length === 1 ? "" : "s"}, the header has ${header.length}` };
      } else {
        const o: Record<string, unknown> = {};
        header.forEach((name, i) => {
          const cell = r.fields[i] as { value: string; quoted: boolean };
          o[name] = typeCell(fields.get(name)?.schema, cell.value, cell.quoted);
        });
        yield { row, line: r.line, input, rating: toRating(o) };
      }
    }
  };
  let consumed = 0;
  for await (const chunk of stream) {
    yield* rows(parser.push(chunk));
    consumed += Buffer.byteLength(chunk);
    progress?.(consumed);
  }
  yield* rows(parser.end());
  if (!header) throw new ParadigmImportError("The CSV file is empty: it needs a header row naming the columns.");
}

async function* jsonlRows(stream: AsyncIterable<string>, progress?: (bytes: number) => void): AsyncGenerator<SourceRow> {
  let rest = "";
  let line = 0;
  let row = 0;
  const one = (text: string): SourceRow | undefined => {
    line++;
    const t = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (!t.trim()) return undefined;
    row++;
    let input: unknown;
    try {
      input = JSON.parse(t);
    } catch (e) {
      return { row, line, input: t, error: `not valid JSON: ${(e as Error).message}` };
    }
    if (!input || typeof input !== "object" || Array.isArray(input)) return { row, line, input, error: "a row must be a JSON object" };
    return { row, line, input, rating: toRating(input as Record<string, unknown>) };
  };
  let consumed = 0;
  for await (const chunk of stream) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const p of parts) {
      const r = one(p);
      if (r) yield r;
    }
    consumed += Buffer.byteLength(chunk);
    progress?.(consumed);
  }
  const r = one(rest);
  if (r) yield r;
}

export interface ImportProgress {
  /** Bytes of the input parsed so far (whole chunks). */
  bytesRead: number;
  totalBytes: number;
  /** Rows read in this run (skipped ones included). */
  rowsRead: number;
  /** Rows read in this run that are finished: delivered, rejected, failed, unknown or skipped. */
  rowsDone: number;
  /** Rows this run will read: exact once the file is read (`rowsExact`), estimated from the bytes parsed until then. */
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

export interface ImportSummary extends ImportProgress {
  /** Rows skipped because a previous run had already taken them (see the checkpoint). */
  skipped: number;
  /** Undelivered items from a previous run, sent in this one. */
  resumed: number;
  /** True when the signal stopped the import; rerunning resumes it. */
  interrupted: boolean;
  checkpoint: string;
  report: string;
}

export interface ImportOptions {
  file: string;
  /** @default from the file extension (.csv, .jsonl or .ndjson) */
  format?: ImportFormat | undefined;
  /** @default `<file>.checkpoint.jsonl` */
  checkpoint?: string | undefined;
  /** @default `<file>.report.jsonl` */
  report?: string | undefined;
  /** @default 4 */
  concurrency?: number | undefined;
  /** Requeue items that failed definitively in a previous run. @default false */
  retryFailed?: boolean | undefined;
  /** Requeue items whose delivery was unknown in a previous run (they may be logged twice). @default false */
  retryUnknown?: boolean | undefined;
  /** Aborting stops reading and sending; requests in flight finish; everything else stays in the checkpoint. */
  signal?: AbortSignal | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
  /** @default 1000 */
  progressMs?: number | undefined;
  /** Passed to the queue (tests inject `sleep`). */
  queue?: Pick<FeedbackQueueOptions, "sleep" | "maxRetries" | "maxQueued" | "rateOptions"> | undefined;
}

interface ReportEntry {
  row: number | undefined;
  line?: number | undefined;
  status: "rejected" | "failed" | "unknown";
  reason: string;
  input?: unknown;
}

/** Rejected and failed rows, one JSON object per line. On resume, rows already reported are not repeated. */
class Report {
  #seen = new Set<string>();
  /** Rows rejected so far by this import, all runs together. */
  rejected = 0;
  constructor(
    readonly path: string,
    resume: boolean,
  ) {
    if (resume && existsSync(path)) {
      for (const l of readFileSync(path, "utf8").split("\n")) {
        try {
          const e = JSON.parse(l) as ReportEntry;
          this.#seen.add(`${e.row}:${e.status}`);
          if (e.status === "rejected") this.rejected++;
        } catch {
          // a torn last line: the entry will be written again
        }
      }
    } else writeFileSync(path, "");
  }
  write(e: ReportEntry): void {
    const key = `${e.row}:${e.status}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (e.status === "rejected") this.rejected++;
    appendFileSync(this.path, `${JSON.stringify(e)}\n`);
  }
}

const reason = (e: ParadigmError) =>
  e instanceof ParadigmValidationError ? e.issues.map((i) => `${i.path} ${i.message}`).join("; ") : `${e.name}: ${e.message}`;

async function fingerprint(file: string): Promise<Record<string, unknown>> {
  const { size } = await stat(file);
  const fh = await open(file, "r");
  try {
    const head = Buffer.alloc(Math.min(size, 1 << 20));
    await fh.read(head, 0, head.length, 0);
    return { path: resolvePath(file), size, sha256_first_mib: createHash("sha256").update(head).digest("hex") };
  } finally {
    await fh.close();
  }
}

/** Imports every row of `file` through a queue over `client`. Resolves with the summary; never drops a row silently. */
export async function runImport(client: Pick<ParadigmClient, "rate">, o: ImportOptions): Promise<ImportSummary> {
  const format = o.format ?? formatOf(o.file);
  if (!format) throw new ParadigmImportError(`Cannot tell the format of ${o.file} from its extension: pass --format csv or --format jsonl.`);
  let source: Record<string, unknown>;
  try {
    source = await fingerprint(o.file);
  } catch (e) {
    throw new ParadigmImportError(`Cannot read ${o.file}: ${(e as Error).message}`, { cause: e });
  }
  if (format === "csv") {
    // Check the header before a checkpoint exists: a file refused here can be fixed and rerun as is.
    const rows = readRows(o.file, format);
    await rows.next();
    await rows.return(undefined);
  }
  const checkpoint = o.checkpoint ?? `${o.file}.checkpoint.jsonl`;
  const reportPath = o.report ?? `${o.file}.report.jsonl`;
  const store = fileStore(checkpoint);
  const snap = await store.open();
  const previous = snap.meta?.source as Record<string, unknown> | undefined;
  if (previous && (previous.size !== source.size || previous.sha256_first_mib !== source.sha256_first_mib)) {
    const held = snap.items.length;
    await store.close();
    throw new ParadigmImportError(
      `The checkpoint ${checkpoint} was made for a different input (${String(previous.path)}, ${String(previous.size)} bytes); ${o.file} has changed or is another file. ` +
        `Use another --checkpoint${held ? ` (this one still holds ${held} undelivered or failed item${held === 1 ? "" : "s"})` : ", or delete it"}.`,
    );
  }
  const resuming = previous !== undefined;
  const report = new Report(reportPath, resuming);
  if (!resuming) await store.append({ op: "meta", meta: { source, format } });

  let delivered = 0;
  const queue = createFeedbackQueue(client, {
    ...o.queue,
    concurrency: o.concurrency ?? 4,
    store,
    onDelivered: () => {
      delivered++;
    },
    onError: (item, error) => {
      report.write({ row: item.ref as number | undefined, status: error.deliveryUnknown ? "unknown" : "failed", reason: reason(error), input: asInput(item) });
    },
  });
  const restored = await queue.ready();
  for (const f of queue.failed()) {
    report.write({ row: f.item.ref as number | undefined, status: f.deliveryUnknown ? "unknown" : "failed", reason: reason(f.error), input: asInput(f.item) });
  }
  if (o.retryFailed || o.retryUnknown) await queue.retryFailed((f) => (f.deliveryUnknown ? o.retryUnknown === true : o.retryFailed === true));

  const cursor = typeof restored.lastRef === "number" ? restored.lastRef : 0;
  const started = performance.now();
  let bytesRead = 0;
  let rowsRead = 0;
  let rowsAtMark = 0; // rows read when `bytesRead` was last reported: the rows those bytes held
  let skipped = 0;
  const totalBytes = source.size as number;
  let pending = new Set<Promise<void>>();
  let readAll = false;
  const progress = (): ImportProgress => {
    const c = queue.counts;
    return {
      bytesRead,
      totalBytes,
      rowsRead,
      rowsDone: Math.max(0, rowsRead - pending.size - c.queued - c.inFlight),
      rowsExpected: readAll || !bytesRead ? rowsRead : Math.max(rowsRead, Math.round((rowsAtMark * totalBytes) / bytesRead)),
      rowsExact: readAll,
      delivered,
      rejected: report.rejected,
      failed: c.failed,
      unknown: c.unknown,
      queued: c.queued,
      inFlight: c.inFlight,
      retries: c.retries,
      elapsedMs: performance.now() - started,
    };
  };
  const timer = o.onProgress ? setInterval(() => o.onProgress?.(progress()), o.progressMs ?? 1000) : undefined;
  let stopping: Promise<unknown> | undefined;
  const stop = () => {
    stopping ??= queue.stop();
  };
  o.signal?.addEventListener("abort", stop, { once: true });
  let fatal: unknown;
  let lastRow = cursor;
  try {
    // Up to WINDOW enqueue() calls at once, so outbox writes are grouped; they are accepted in call (file) order.
    const WINDOW = 512;
    pending = new Set<Promise<void>>();
    for await (const r of readRows(o.file, format, (b) => {
      bytesRead = b;
      rowsAtMark = rowsRead;
    })) {
      if (o.signal?.aborted || fatal) break;
      rowsRead++;
      lastRow = r.row;
      if (r.row <= cursor) {
        skipped++;
        continue;
      }
      if (!r.rating) {
        report.write({ row: r.row, line: r.line, status: "rejected", reason: r.error ?? "unreadable", input: r.input });
        continue;
      }
      const p: Promise<void> = queue.enqueue(r.rating.feedbackTypeId, r.rating.completionId, r.rating.feedback, { ref: r.row }).then(
        () => {
          pending.delete(p);
        },
        (e: unknown) => {
          pending.delete(p);
          if (e instanceof ParadigmValidationError) {
            report.write({ row: r.row, line: r.line, status: "rejected", reason: reason(e), input: r.input });
          } else if (!(e instanceof ParadigmQueueClosedError)) fatal ??= e; // closed: stopped; the row is read again on resume
        },
      );
      pending.add(p);
      if (pending.size >= WINDOW) await Promise.race(pending);
    }
    readAll = !o.signal?.aborted && !fatal;
    await Promise.all(pending);
    // Every row read is now in the outbox or reported: move the cursor past trailing rejected rows too, so a
    // rerun of a finished import reads nothing. (Not earlier: a row still waiting for room must stay after it.)
    if (!fatal && !o.signal?.aborted && lastRow > cursor) await store.append({ op: "meta", lastRef: lastRow });
  } catch (e) {
    fatal ??= e;
  } finally {
    o.signal?.removeEventListener("abort", stop);
  }
  try {
    if (fatal || o.signal?.aborted) {
      stop();
      await stopping;
      if (fatal) throw fatal instanceof ParadigmError ? fatal : new ParadigmImportError(String((fatal as Error)?.message ?? fatal), { cause: fatal });
    } else await queue.close();
  } finally {
    if (timer) clearInterval(timer);
  }
  return {
    ...progress(),
    skipped,
    resumed: restored.resumed + restored.resent,
    interrupted: o.signal?.aborted === true,
    checkpoint,
    report: reportPath,
  };
}

const asInput = (i: QueuedFeedback) => ({ feedback_type_id: i.feedbackTypeId, completion_id: i.completionId, ...i.feedback });
