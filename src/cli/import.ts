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
import { createHash } from "node:crypto";
import { accessSync, appendFileSync, constants, createReadStream, existsSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { dirname, resolve as resolvePath } from "node:path";
import { schemas } from "../../generated/operations.ts";
import type { FeedbackInput, ParadigmClient, RatePathParams } from "../client/client.ts";
import { formatIssues, ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import { createFeedbackQueue, type FeedbackQueueOptions, fileStore, ParadigmQueueClosedError, type QueuedFeedback } from "../queue/index.ts";
import { ParadigmStoreError } from "../queue/store.ts";
import { RATE_PATH, rateOperation } from "../spec/prepare.ts";
import type { Schema } from "../spec/validate.ts";
import { CsvParser, type CsvRecord } from "./csv.ts";

/** The rate operation's path template; `satisfies` makes a rename in the spec a type error here. */

/**
 * The input can't be imported as given (unknown column, a checkpoint made for another file, an unusable report
 * path), or (`kind: "busy"`) another process is importing with the same checkpoint. Nothing was sent.
 */
export class ParadigmImportError extends ParadigmError {
  override name = "ParadigmImportError";
  readonly kind: "input" | "busy";
  constructor(message: string, options?: { cause?: unknown; kind?: "input" | "busy" }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options?.kind ?? "input";
  }
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
  const op = rateOperation();
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
  feedbackTypeId: RatePathParams["feedback_type_id"];
  completionId: RatePathParams["completion_id"];
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
  /** Nothing to import, on purpose: a CSV row of empty cells, or a report entry that was not a rejected row. */
  skip?: "blank" | "ignored";
}

/** Splits an object with the API's names into path parameters and body. The validator checks the types. */
function toRating(o: Record<string, unknown>): Rating {
  const { feedback_type_id, completion_id, ...feedback } = o;
  return {
    feedbackTypeId: feedback_type_id as RatePathParams["feedback_type_id"],
    completionId: completion_id as RatePathParams["completion_id"],
    feedback: feedback as FeedbackInput,
  };
}

export type ImportFormat = "csv" | "jsonl";

export function formatOf(file: string): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.(jsonl|ndjson)$/i.test(file)) return "jsonl";
  return undefined;
}

export interface ReadOptions {
  /** CSV delimiter. @default "," */
  delimiter?: string | undefined;
  /** CSV: columns that are not rating fields are left out of the rating (they stay in the row's `input`). @default false (refused) */
  ignoreExtraColumns?: boolean | undefined;
  /** The file is a report written by an earlier import: its rejected rows (as you fixed them) are the rows. @default false */
  fromReport?: boolean | undefined;
}

/**
 * Reads rows one by one (streaming). `progress` is called after each chunk with the bytes whose rows have all
 * been yielded (not the bytes buffered ahead). A bad header throws ParadigmImportError.
 */
export async function* readRows(file: string, format: ImportFormat, progress?: (bytes: number) => void, options: ReadOptions = {}): AsyncGenerator<SourceRow> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 });
  try {
    if (options.fromReport) yield* reportRows(jsonlRows(stream, progress), options);
    else if (format === "csv") yield* csvRows(stream, progress, options);
    else yield* jsonlRows(stream, progress);
  } finally {
    stream.destroy();
  }
}

const plural = (n: number, word: string) => `${word}${n === 1 ? "" : "s"}`;

async function* csvRows(stream: AsyncIterable<string>, progress: ((bytes: number) => void) | undefined, options: ReadOptions): AsyncGenerator<SourceRow> {
  const parser = new CsvParser({ delimiter: options.delimiter });
  const fields = new Map(ratingFields().map((f) => [f.name, f]));
  let header: string[] | undefined;
  let row = 0;
  const checkHeader = (r: CsvRecord, names: string[]) => {
    if (r.error) throw new ParadigmImportError(`The CSV header (line ${r.line}) is malformed: ${r.error}.`);
    const unknown = names.filter((h) => !fields.has(h));
    if (unknown.length && names.length === 1) {
      // One column named "a;b;c": the file is separated by something else. Say which, if a known one fits.
      const d = [";", "\t", "|"].find((c) => names[0]?.split(c).some((h) => fields.has(h.trim())));
      if (d) {
        const shown = d === "\t" ? "tab" : d;
        throw new ParadigmImportError(
          `The CSV header looks separated by ${JSON.stringify(shown)}, not ",": pass --delimiter ${JSON.stringify(shown)} (delimiter: ${JSON.stringify(d)}).`,
        );
      }
    }
    if (unknown.length && !options.ignoreExtraColumns) {
      throw new ParadigmImportError(
        `Unknown CSV ${plural(unknown.length, "column")} ${unknown.map((u) => JSON.stringify(u)).join(", ")}; known: ${[...fields.keys()].join(", ")}. ` +
          "To send the known columns and keep the others in the report only, pass --ignore-extra-columns (ignoreExtraColumns: true).",
      );
    }
    const twice = names.filter((h, i) => names.indexOf(h) !== i);
    if (twice.length) throw new ParadigmImportError(`CSV column ${JSON.stringify(twice[0])} appears twice in the header.`);
    const missing = [...fields.values()].filter((f) => f.required && !names.includes(f.name)).map((f) => f.name);
    if (missing.length) throw new ParadigmImportError(`The CSV header lacks the required ${plural(missing.length, "column")} ${missing.join(", ")}.`);
  };
  const rows = function* (records: CsvRecord[]): Generator<SourceRow> {
    for (const r of records) {
      if (!header) {
        header = r.fields.map((f) => f.value.trim());
        checkHeader(r, header);
        continue;
      }
      row++;
      const input = Object.fromEntries(r.fields.map((f, i) => [header?.[i] ?? `#${i + 1}`, f.value]));
      // `,,` or a line of spaces: a spreadsheet's empty row, not a rating with every field missing.
      if (!r.error && r.fields.every((f) => !f.quoted && f.value.trim() === "")) yield { row, line: r.line, input, skip: "blank" };
      else if (r.error) yield { row, line: r.line, input, error: `malformed CSV: ${r.error}` };
      else if (r.fields.length !== header.length) {
        yield { row, line: r.line, input, error: `has ${r.fields.length} ${plural(r.fields.length, "cell")}, the header has ${header.length}` };
      } else {
        const o: Record<string, unknown> = {};
        header.forEach((name, i) => {
          const field = fields.get(name);
          if (!field) return; // an extra column (ignoreExtraColumns): in the input, not in the rating
          const cell = r.fields[i] as { value: string; quoted: boolean };
          o[name] = typeCell(field.schema, cell.value, cell.quoted);
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
  let first = true;
  const one = (text: string): SourceRow | undefined => {
    line++;
    const t = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (!t.trim()) return undefined;
    row++;
    let input: unknown;
    let overflow = false;
    try {
      // A number too large for a double (1e400) parses as Infinity, which JSON writes back as null: the row is
      // kept as its text, so neither the report nor a re-import turns it into a null the user never wrote.
      input = JSON.parse(t, (_, v) => {
        if (typeof v === "number" && !Number.isFinite(v)) overflow = true;
        return v;
      });
    } catch (e) {
      return { row, line, input: t, error: `not valid JSON: ${(e as Error).message}` };
    }
    if (overflow) return { row, line, input: t, error: "a number is out of range (beyond ±1.8e308, it would be read as Infinity)" };
    if (!input || typeof input !== "object" || Array.isArray(input)) return { row, line, input, error: "a row must be a JSON object" };
    return { row, line, input, rating: toRating(input as Record<string, unknown>) };
  };
  let consumed = 0;
  for await (const chunk of stream) {
    // Editors on Windows start UTF-8 files with a BOM; JSON.parse would refuse the first row.
    const text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
    const parts = (rest + text).split("\n");
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

/**
 * The entries of a report as rows: a rejected entry's `input` (fixed by the user) is the row; failed and unknown
 * entries are ignored, since the original import still holds them (--retry-failed / --retry-unknown resend them),
 * and importing them here could send them twice. A row read from CSV (every value text) is typed as CSV cells are.
 */
async function* reportRows(entries: AsyncGenerator<SourceRow>, options: ReadOptions): AsyncGenerator<SourceRow> {
  const fields = new Map(ratingFields().map((f) => [f.name, f]));
  for await (const e of entries) {
    if (e.error) {
      yield e;
      continue;
    }
    const entry = e.input as { status?: unknown; input?: unknown };
    if (entry.status !== "rejected") {
      yield { row: e.row, line: e.line, input: entry.input, skip: "ignored" };
      continue;
    }
    let input = entry.input;
    if (typeof input === "string") {
      // A line that was not valid JSON is kept as text; once fixed, it is a JSON object.
      try {
        input = JSON.parse(input);
      } catch (x) {
        yield { row: e.row, line: e.line, input, error: `the report's input is not valid JSON: ${(x as Error).message}` };
        continue;
      }
    }
    if (!input || typeof input !== "object" || Array.isArray(input)) {
      yield { row: e.row, line: e.line, input, error: "the report's input must be a JSON object" };
      continue;
    }
    const fromCsv = Object.values(input).every((v) => typeof v === "string");
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      const field = fields.get(k);
      // A CSV row's other named columns were ignored by the import that wrote the report (it refuses them
      // otherwise); "#7", a cell beyond the header, was not, and stays for the validator to name.
      if (!field && (options.ignoreExtraColumns || (fromCsv && !/^#\d+$/.test(k)))) continue;
      o[k] = fromCsv && field ? typeCell(field.schema, v as string) : v;
    }
    yield { row: e.row, line: e.line, input, rating: toRating(o) };
  }
}

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

export interface ImportSummary extends ImportProgress {
  /** Rows skipped because a previous run had already taken them (see the checkpoint). */
  skipped: number;
  /** CSV rows with only empty cells (`,,`, a line of spaces): not imported, not rejected. */
  blank: number;
  /** Rows whose content (type, completion and fields) repeats an earlier row of the file. Sent anyway unless `dedupe`. */
  duplicates: number;
  /** Report entries that were not rejected rows (with `fromReport`): the original import resends those. */
  ignored: number;
  /** Undelivered items from a previous run, sent in this one. */
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
      const text = readFileSync(path, "utf8");
      // A torn last line (a crash mid-write) is cut, so the next entry starts on a line of its own.
      const whole = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
      if (whole !== text) writeFileSync(path, whole);
      for (const [i, l] of whole.split("\n").entries()) {
        if (!l) continue;
        let e: ReportEntry;
        try {
          e = JSON.parse(l) as ReportEntry;
        } catch (cause) {
          throw new ParadigmImportError(`The report ${path} has an unreadable line ${i + 1}; fix or move it, then run again.`, { cause });
        }
        this.#seen.add(`${e.row}:${e.status}`);
        if (e.status === "rejected") this.rejected++;
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

const reason = (e: ParadigmError) => (e instanceof ParadigmValidationError ? formatIssues(e.issues) : `${e.name}: ${e.message}`);

/** What the checkpoint remembers of its input: the whole file's hash then, so a later file can be checked to only have grown. */
interface Source {
  path: string;
  size: number;
  sha256: string;
  /** The file ended with a line break: rows appended later cannot have extended its last row. */
  endsWithNewline: boolean;
}

/** One pass over the file: its hash, and the hash of its first `cut` bytes (the previous run's file). */
async function hashFile(file: string, cut: number | undefined): Promise<{ source: Source; prefix?: string; byteAtCut?: number }> {
  const whole = createHash("sha256");
  const head = cut === undefined ? undefined : createHash("sha256");
  let pos = 0;
  let last = -1;
  let byteAtCut: number | undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    if (head && cut !== undefined && pos < cut) head.update(chunk.subarray(0, Math.min(chunk.length, cut - pos)));
    if (cut !== undefined && cut >= pos && cut < pos + chunk.length) byteAtCut = chunk[cut - pos];
    pos += chunk.length;
    if (chunk.length) last = chunk[chunk.length - 1] as number;
  }
  const source: Source = { path: resolvePath(file), size: pos, sha256: whole.digest("hex"), endsWithNewline: last === 10 || last === 13 };
  return { source, ...(head && cut !== undefined && pos >= cut ? { prefix: head.digest("hex") } : {}), ...(byteAtCut === undefined ? {} : { byteAtCut }) };
}

/** Checkpoints written before the whole-file hash: size and first MiB. */
async function legacyFingerprint(file: string): Promise<{ size: number; sha256_first_mib: string }> {
  const { size } = await stat(file);
  const fh = await open(file, "r");
  try {
    const head = Buffer.alloc(Math.min(size, 1 << 20));
    await fh.read(head, 0, head.length, 0);
    return { size, sha256_first_mib: createHash("sha256").update(head).digest("hex") };
  } finally {
    await fh.close();
  }
}

/** Why the current file cannot continue the checkpoint's import, or undefined if it can (same file, or rows appended). */
async function changedSince(file: string, previous: Record<string, unknown>, current: Awaited<ReturnType<typeof hashFile>>): Promise<string | undefined> {
  if (typeof previous.sha256 !== "string") {
    const now = await legacyFingerprint(file);
    return previous.size === now.size && previous.sha256_first_mib === now.sha256_first_mib ? undefined : "it has changed since (edited, or rows appended)";
  }
  const size = previous.size as number;
  if (current.source.size < size) return `it is shorter than the ${size} bytes imported before: rows already imported were changed or removed`;
  if (current.prefix !== previous.sha256) return `the rows already imported (its first ${size} bytes) were changed`;
  const next = current.byteAtCut;
  if (next !== undefined && !previous.endsWithNewline && next !== 10 && next !== 13)
    return "the rows already imported were changed (text was added to the end of the last row; start appended rows on a new line)";
  return undefined;
}

const same = (a: string, b: string) => {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolvePath(p);
    }
  };
  return real(a) === real(b);
};

/** Refuses, before anything is created, a path the import could not write. */
function checkWritable(what: string, path: string): void {
  const dir = dirname(resolvePath(path));
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(dir);
  } catch {
    throw new ParadigmImportError(`Cannot write the ${what} ${path}: the directory does not exist (${dir}).`);
  }
  if (!st.isDirectory()) throw new ParadigmImportError(`Cannot write the ${what} ${path}: ${dir} is not a directory.`);
  try {
    accessSync(existsSync(path) ? path : dir, constants.W_OK);
  } catch {
    throw new ParadigmImportError(`Cannot write the ${what} ${path}: permission denied.`);
  }
  if (existsSync(path) && !statSync(path).isFile()) throw new ParadigmImportError(`Cannot write the ${what} ${path}: it is not a regular file.`);
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
  const checkpoint = o.checkpoint ?? `${o.file}.checkpoint.jsonl`;
  const reportPath = o.report ?? `${o.file}.report.jsonl`;
  // Paths first: nothing may be created (or truncated) before they are known to be usable and distinct.
  if (same(reportPath, o.file)) throw new ParadigmImportError(`The report ${reportPath} is the input file; it would be overwritten. Pass another --report.`);
  if (same(checkpoint, o.file)) throw new ParadigmImportError(`The checkpoint ${checkpoint} is the input file. Pass another --checkpoint.`);
  if (same(reportPath, checkpoint)) throw new ParadigmImportError(`The report and the checkpoint are the same file (${reportPath}). Pass another --report.`);
  checkWritable("checkpoint", checkpoint);
  checkWritable("report", reportPath);
  const checkpointWasThere = existsSync(checkpoint) && statSync(checkpoint).size > 0;
  const reportExists = existsSync(reportPath) && statSync(reportPath).size > 0;
  const refuseReport = () =>
    new ParadigmImportError(
      `The report ${reportPath} already exists and is not this import's: it would be overwritten. Pass another --report, or --overwrite-report to replace it.`,
    );
  if (reportExists && !checkpointWasThere && !o.overwriteReport) throw refuseReport();

  let previous: Record<string, unknown> | undefined;
  let peek: Record<string, unknown> | undefined;
  try {
    // The checkpoint's first line is its meta; read it (without the lock) to know how much of the file to hash.
    if (checkpointWasThere) {
      const first = (await readFile(checkpoint, "utf8")).split("\n", 1)[0] ?? "";
      peek = (JSON.parse(first) as { meta?: { source?: Record<string, unknown> } }).meta?.source;
    }
  } catch {
    peek = undefined; // the store reads it properly below
  }
  let hashed: Awaited<ReturnType<typeof hashFile>>;
  try {
    hashed = await hashFile(o.file, typeof peek?.size === "number" ? peek.size : undefined);
  } catch (e) {
    throw new ParadigmImportError(`Cannot read ${o.file}: ${(e as Error).message}`, { cause: e });
  }
  if (format === "csv") {
    // Check the header before a checkpoint exists: a file refused here can be fixed and rerun as is.
    const rows = readRows(o.file, format, undefined, o);
    await rows.next();
    await rows.return(undefined);
  }

  const store = fileStore(checkpoint);
  // Leaves no trace of a refused run: the lock goes with close(), and the checkpoint this run created (empty,
  // and ours alone while we hold the lock) goes too.
  const giveUp = async (e: ParadigmError): Promise<never> => {
    await store.close().catch(() => undefined);
    if (!checkpointWasThere) rmSync(checkpoint, { force: true });
    throw e;
  };
  let snap: Awaited<ReturnType<typeof store.open>>;
  try {
    snap = await store.open();
  } catch (e) {
    // Nothing to clean: a store that fails to open has created nothing (and the file may be another import's).
    const holder = Number.parseInt(await readFile(`${checkpoint}.lock`, "utf8").catch(() => ""), 10);
    if (e instanceof ParadigmStoreError && Number.isInteger(holder) && holder !== process.pid) {
      throw new ParadigmImportError(
        `${o.file} is already being imported by process ${holder}, with the checkpoint ${checkpoint}. Wait for it to finish (or stop it), then run this again.`,
        { kind: "busy", cause: e },
      );
    }
    throw new ParadigmImportError(`Cannot use the checkpoint ${checkpoint}: ${(e as Error).message}`, { cause: e });
  }
  previous = snap.meta?.source as Record<string, unknown> | undefined;
  if (previous) {
    if (typeof previous.sha256 === "string" && previous.size !== peek?.size) hashed = await hashFile(o.file, previous.size as number);
    const why = await changedSince(o.file, previous, hashed);
    if (why) {
      const held = snap.items.length;
      await giveUp(
        new ParadigmImportError(
          `The checkpoint ${checkpoint} was made for a different input (${String(previous.path)}, ${String(previous.size)} bytes): ${why}, or ${o.file} is another file. ` +
            `Appending rows is fine; to send edited rows, fix them in the report and import it with --from-report. ` +
            `Otherwise use another --checkpoint${held ? ` (this one still holds ${held} undelivered or failed ${plural(held, "item")})` : ", or delete it"}.`,
        ),
      );
    }
    const ownReport = snap.meta?.report === undefined || same(String(snap.meta.report), reportPath);
    if (reportExists && !ownReport && !o.overwriteReport) await giveUp(refuseReport());
  }
  const resuming = previous !== undefined;
  const report = new Report(reportPath, resuming && !o.overwriteReport);
  // The meta names the report too: a resumed run with another --report makes that one this import's own.
  const recordedReport = snap.meta?.report === undefined ? undefined : String(snap.meta.report);
  if (!resuming || previous?.sha256 !== hashed.source.sha256 || recordedReport === undefined || !same(recordedReport, reportPath)) {
    await store.append({ op: "meta", meta: { source: hashed.source, format, report: resolvePath(reportPath) } });
  }

  let delivered = 0;
  let started = false; // errors reported by ready() for items held earlier are not this run's work
  let settledErrors = 0;
  const queue = createFeedbackQueue(client, {
    ...o.queue,
    concurrency: o.concurrency ?? 4,
    store,
    onDelivered: () => {
      delivered++;
    },
    onError: (item, error) => {
      if (started) settledErrors++;
      report.write({ row: item.ref as number | undefined, status: error.deliveryUnknown ? "unknown" : "failed", reason: reason(error), input: asInput(item) });
    },
  });
  const restored = await queue.ready();
  for (const f of queue.failed()) {
    report.write({ row: f.item.ref as number | undefined, status: f.deliveryUnknown ? "unknown" : "failed", reason: reason(f.error), input: asInput(f.item) });
  }
  started = true;
  let retried = 0;
  if (o.retryFailed || o.retryUnknown)
    retried = (await queue.retryFailed((f) => (f.deliveryUnknown ? o.retryUnknown === true : o.retryFailed === true))).length;
  const resumedItems = restored.resumed + restored.resent + retried;

  const cursor = typeof restored.lastRef === "number" ? restored.lastRef : 0;
  const t0 = performance.now();
  let bytesRead = 0;
  let rowsRead = 0;
  let rowsAtMark = 0; // rows read when `bytesRead` was last reported: the rows those bytes held
  let skipped = 0;
  let blank = 0;
  let ignored = 0;
  let duplicates = 0;
  let notSent = 0; // rows of this run finished without a request: rejected, or duplicates left out by `dedupe`
  const seen = new Set<string>();
  const totalBytes = hashed.source.size;
  let pending = new Set<Promise<void>>();
  let readAll = false;
  const progress = (): ImportProgress => {
    const c = queue.counts;
    const rowsExpected = readAll ? rowsRead : bytesRead ? Math.max(rowsRead, Math.round((rowsAtMark * totalBytes) / bytesRead)) : 0;
    return {
      bytesRead,
      totalBytes,
      rowsRead,
      rowsDone: skipped + blank + ignored + notSent + delivered + settledErrors,
      rowsExpected: rowsExpected ? rowsExpected + resumedItems : 0,
      rowsExact: readAll,
      delivered,
      rejected: report.rejected,
      failed: c.failed,
      unknown: c.unknown,
      queued: c.queued,
      inFlight: c.inFlight,
      retries: c.retries,
      elapsedMs: performance.now() - t0,
    };
  };
  const timer = o.onProgress ? setInterval(() => o.onProgress?.(progress()), o.progressMs ?? 1000) : undefined;
  let stopping: Promise<unknown> | undefined;
  const stop = () => {
    stopping ??= queue.stop();
  };
  // Listening until the queue is closed: Ctrl-C after the last row is read must still stop the sending.
  o.signal?.addEventListener("abort", stop, { once: true });
  if (o.signal?.aborted) stop();
  let fatal: unknown;
  let lastRow = cursor;
  try {
    try {
      // Up to WINDOW enqueue() calls at once, so outbox writes are grouped; they are accepted in call (file) order.
      const WINDOW = 512;
      pending = new Set<Promise<void>>();
      for await (const r of readRows(
        o.file,
        format,
        (b) => {
          bytesRead = b;
          rowsAtMark = rowsRead;
        },
        o,
      )) {
        if (o.signal?.aborted || fatal) break;
        rowsRead++;
        lastRow = r.row;
        const key = r.rating ? contentKey(r.rating) : undefined;
        const repeat = key !== undefined && seen.has(key);
        if (repeat) duplicates++;
        else if (key !== undefined) seen.add(key);
        if (r.row <= cursor) {
          skipped++;
          continue;
        }
        if (r.skip === "blank") {
          blank++;
          continue;
        }
        if (r.skip === "ignored") {
          ignored++;
          continue;
        }
        if (!r.rating) {
          notSent++;
          report.write({ row: r.row, line: r.line, status: "rejected", reason: r.error ?? "unreadable", input: r.input });
          continue;
        }
        if (repeat && o.dedupe) {
          notSent++;
          continue;
        }
        const p: Promise<void> = queue.enqueue(r.rating.feedbackTypeId, r.rating.completionId, r.rating.feedback, { ref: r.row }).then(
          () => {
            pending.delete(p);
          },
          (e: unknown) => {
            pending.delete(p);
            if (e instanceof ParadigmValidationError) {
              notSent++;
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
    }
    try {
      if (fatal || o.signal?.aborted) {
        stop();
        await stopping;
        if (fatal) throw fatal instanceof ParadigmError ? fatal : new ParadigmImportError(String((fatal as Error)?.message ?? fatal), { cause: fatal });
      } else await queue.close();
      // Ctrl-C while close() drained the queue: it stopped there, and the rest stays in the checkpoint.
      if (stopping) await stopping;
    } finally {
      if (timer) clearInterval(timer);
    }
  } finally {
    o.signal?.removeEventListener("abort", stop);
  }
  return {
    ...progress(),
    skipped,
    blank,
    duplicates,
    ignored,
    resumed: resumedItems,
    interrupted: o.signal?.aborted === true,
    checkpoint,
    report: reportPath,
  };
}

const asInput = (i: QueuedFeedback) => ({ feedback_type_id: i.feedbackTypeId, completion_id: i.completionId, ...i.feedback });
