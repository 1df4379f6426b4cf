// Reading an import's input as rows: CSV (typed by the rate operation's schemas), JSONL, or the rejected rows of
// an earlier import's report. Streaming, one row at a time; nothing here sends or writes.
import { createReadStream } from "node:fs";
import { schemas } from "../../generated/operations.ts";
import type { FeedbackInput, RatePathParams } from "../client/client.ts";
import { RATE_PATH, rateOperation } from "../spec/prepare.ts";
import type { Schema } from "../spec/validate.ts";
import { CsvParser, type CsvRecord } from "./csv.ts";
import { ParadigmImportError, plural } from "./import-error.ts";

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
  /** The row as read, for the report. CSV: each cell's text, null for an unquoted empty cell (see `csv`). */
  input: unknown;
  /**
   * `input` holds CSV cells: text, and null for an unquoted empty cell, so the report keeps the difference between
   * null (`,,`) and the empty string (`""`). The report marks such entries `"format":"csv"`.
   */
  csv?: true;
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

/** Reads a CSV file's header and nothing more: a bad one throws ParadigmImportError before any checkpoint exists. */
export async function checkHeader(file: string, options: ReadOptions = {}): Promise<void> {
  const rows = readRows(file, "csv", undefined, options);
  await rows.next();
  await rows.return(undefined);
}

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
      // An unquoted empty cell is null in the report too: `""` and `,,` mean different things there as here.
      const input = Object.fromEntries(r.fields.map((f, i) => [header?.[i] ?? `#${i + 1}`, f.quoted || f.value !== "" ? f.value : null]));
      // `,,` or a line of spaces: a spreadsheet's empty row, not a rating with every field missing.
      if (!r.error && r.fields.every((f) => !f.quoted && f.value.trim() === "")) yield { row, line: r.line, input, skip: "blank" };
      else if (r.error) yield { row, line: r.line, input, csv: true, error: `malformed CSV: ${r.error}` };
      else if (r.fields.length !== header.length) {
        yield { row, line: r.line, input, csv: true, error: `has ${r.fields.length} ${plural(r.fields.length, "cell")}, the header has ${header.length}` };
      } else {
        const o: Record<string, unknown> = {};
        header.forEach((name, i) => {
          const field = fields.get(name);
          if (!field) return; // an extra column (ignoreExtraColumns): in the input, not in the rating
          const cell = r.fields[i] as { value: string; quoted: boolean };
          o[name] = typeCell(field.schema, cell.value, cell.quoted);
        });
        yield { row, line: r.line, input, csv: true, rating: toRating(o) };
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
 * and importing them here could send them twice. A row read from CSV is typed as CSV cells are: an entry marked
 * `"format":"csv"` holds text cells and null for an unquoted empty one (a text "" is a quoted `""`, the empty
 * string); an unmarked entry whose values are all text (written before the mark existed) reads "" as null, as it
 * always did.
 */
async function* reportRows(entries: AsyncGenerator<SourceRow>, options: ReadOptions): AsyncGenerator<SourceRow> {
  const fields = new Map(ratingFields().map((f) => [f.name, f]));
  for await (const e of entries) {
    if (e.error) {
      yield e;
      continue;
    }
    const entry = e.input as { status?: unknown; format?: unknown; input?: unknown };
    if (entry.status !== "rejected") {
      yield { row: e.row, line: e.line, input: entry.input, skip: "ignored" };
      continue;
    }
    const marked = entry.format === "csv";
    // Rows read again from this entry keep its mark, so a report of this report reads them the same way.
    const csv = marked ? { csv: true as const } : {};
    let input = entry.input;
    if (typeof input === "string") {
      // A line that was not valid JSON is kept as text; once fixed, it is a JSON object.
      try {
        input = JSON.parse(input);
      } catch (x) {
        yield { row: e.row, line: e.line, input, ...csv, error: `the report's input is not valid JSON: ${(x as Error).message}` };
        continue;
      }
    }
    if (!input || typeof input !== "object" || Array.isArray(input)) {
      yield { row: e.row, line: e.line, input, ...csv, error: "the report's input must be a JSON object" };
      continue;
    }
    const fromCsv = marked || Object.values(input).every((v) => typeof v === "string");
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      const field = fields.get(k);
      // A CSV row's other named columns were ignored by the import that wrote the report (it refuses them
      // otherwise); "#7", a cell beyond the header, was not, and stays for the validator to name.
      if (!field && (options.ignoreExtraColumns || (fromCsv && !/^#\d+$/.test(k)))) continue;
      // Marked: a text cell is typed as a quoted one would be ("" stays ""); null, or a value the user wrote as
      // JSON (true, 4), is kept. Unmarked: every value is text, and "" is null.
      o[k] = fromCsv && field && typeof v === "string" ? typeCell(field.schema, v, marked) : v;
    }
    yield { row: e.row, line: e.line, input, ...csv, rating: toRating(o) };
  }
}
