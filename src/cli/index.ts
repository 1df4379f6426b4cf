#!/usr/bin/env node
// paradigm-client: the command line. `rate` sends one rating, `import` sends a JSONL/CSV file of them through
// the resumable queue, `mock` serves the embedded Prism mock. Flags are parsed by node:util parseArgs, and the
// help is printed from the same option tables, so it cannot drift from what is accepted.
import { readFileSync, realpathSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createParadigmClient, type FeedbackInput, type ParadigmClient, type RateMediaType, type RatePathParams } from "../client/client.ts";
import { isIntegerAtLeast } from "../client/options.ts";
import { formatIssues, ParadigmConfigError, ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import { packageFile } from "../core/package-root.ts";
import { RATE_PATH } from "../spec/prepare.ts";
import { operationSpec, type Schema } from "../spec/validate.ts";
import {
  formatOf,
  type ImportFormat,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  ParadigmImportError,
  ratingFields,
  runImport,
  typeCell,
} from "./import.ts";
import { POSTGRES_COMMANDS, type PostgresCommand, runPostgresCommand } from "./postgres.ts";

/** Exit codes; printed by --help from this table. */
export const EXIT = {
  ok: [0, "everything was delivered (mock: stopped cleanly)"],
  error: [1, "unexpected error (a bug, or the checkpoint could not be written mid-import)"],
  usage: [
    2,
    "usage error: unknown or repeated flag, missing argument, unreadable input, bad CSV header, checkpoint for another file or edited rows, unusable --report/--checkpoint path; nothing was sent",
  ],
  config: [
    3,
    "configuration error: no API key, unusable base URL, plain http without --allow-insecure-http, mock port in use, postgres-*: no pg package, bad --table, database unreachable, schema or table missing, table not an outbox, permission denied; nothing was sent",
  ],
  notDelivered: [4, "something was not delivered: rejected by validation (nothing sent) or refused/failed at the API"],
  unknown: [5, "delivery unknown for some rating (and nothing in class 4): the server may or may not have logged it"],
  busy: [6, "another import is running with the same checkpoint (its lock is held by a live process); nothing was sent"],
  interrupted: [130, "interrupted (Ctrl-C); for import, run the same command again to resume"],
} as const;
const code = (k: keyof typeof EXIT) => EXIT[k][0];

/** `multiple`: may be given more than once (values collected); any other flag given twice is a usage error. */
type Opt = { type: "string" | "boolean"; short?: string; arg?: string; help: string; multiple?: boolean };
type Opts = Record<string, Opt>;

const COMMON: Opts = {
  "base-url": { type: "string", arg: "URL", help: "API origin (default: PARADIGM_BASE_URL, then https://paradigm.lighton.ai)" },
  "timeout-ms": { type: "string", arg: "MS", help: "time allowed per attempt, in ms (default 30000)" },
  "media-type": { type: "string", arg: "TYPE", help: "request body encoding: json (default), form or multipart (or the full media type)" },
  "allow-insecure-http": { type: "boolean", help: "allow a plain http:// --base-url that is not loopback (the API key travels in clear text)" },
  json: { type: "boolean", help: "print the result as one JSON object on stdout" },
  help: { type: "boolean", short: "h", help: "show this help" },
};

// Path parameters get short names; body properties come from the spec (a new property is a new flag).
const PATH_FLAGS: Record<string, string> = { feedback_type_id: "type", completion_id: "completion" };
const flagOf = (field: string) => PATH_FLAGS[field] ?? field.replace(/_/g, "-");

function describeSchema(s: Schema): { arg: string; note: string } {
  const t = s.type;
  const arg = t === "boolean" ? "true|false" : t === "integer" ? "N" : t === "number" ? "NUMBER" : "TEXT";
  const notes = [s.maxLength !== undefined ? `at most ${s.maxLength} characters` : "", s.minimum !== undefined ? `≥ ${s.minimum}` : ""].filter(Boolean);
  return { arg, note: notes.length ? ` (${notes.join(", ")})` : "" };
}

function rateOptions(): Opts {
  const out: Opts = {};
  for (const f of ratingFields()) {
    const { arg: typed, note } = describeSchema(f.schema);
    const arg = f.name === "completion_id" ? "ID" : typed;
    const what = f.in === "path" ? (f.name === "feedback_type_id" ? "feedback type id" : "completion id") : `the rating's ${f.name}`;
    out[flagOf(f.name)] = { type: "string", arg, help: `${f.required ? "required: " : ""}${what}${note}` };
  }
  const nullable = ratingFields()
    .filter((f) => f.in === "body")
    .map((f) => flagOf(f.name));
  out.null = {
    type: "string",
    arg: "FIELD[,FIELD]",
    multiple: true,
    help: `send null for these fields (${nullable.join(", ")}); --comment null sends the text "null"`,
  };
  return out;
}

const COMMANDS = {
  rate: {
    summary: "log one rating on a completion",
    usage: "paradigm-client rate --type N --completion ID [--flag true|false] [--value NUMBER] [--tag TEXT] [--comment TEXT] [--null FIELD]",
    about:
      "Sends POST /api/v2/rate/{feedback_type_id}/{completion_id}. Fields you leave out are not sent. The input is\nchecked against the spec first: an invalid rating is rejected (exit 4) and nothing is sent.",
    options: () => rateOptions(),
  },
  import: {
    summary: "send many ratings from a JSONL or CSV file, through a resumable queue",
    usage: "paradigm-client import FILE [--format csv|jsonl] [--concurrency N] [--checkpoint PATH] [--report PATH]",
    about: [
      'Rows use the API\'s names. JSONL: one object a line, {"feedback_type_id": 3, "completion_id": "cmpl-1", "flag": true}.',
      "CSV: a header row with the same names; cells are typed by the spec (true/false, numbers, text); an unquoted",
      'empty cell is null, a quoted one ("") the empty string. Quoted cells may hold commas, quotes ("") and line breaks.',
      "",
      "Invalid rows are rejected (listed in the report with their reasons) and the rest are sent. Every row taken is",
      "written to the checkpoint before it is sent; after Ctrl-C or a crash, the same command resumes where it",
      "stopped, without sending a row twice. A rating in flight during a crash (not Ctrl-C) is reported as unknown,",
      "not resent; --retry-unknown resends such ratings (they may then be logged twice).",
      "",
      "Rows appended to the file since the last run are sent by the same command; a file whose imported rows were",
      "edited is refused. To send rejected rows once fixed, edit them in the report and run",
      "'paradigm-client import FILE.report.jsonl --from-report'. Rows with only empty cells are skipped (blank).",
    ].join("\n"),
    options: (): Opts => ({
      format: { type: "string", arg: "csv|jsonl", help: "input format (default: from the extension: .csv, .jsonl, .ndjson)" },
      concurrency: { type: "string", arg: "N", help: "requests in flight at once (default 4)" },
      checkpoint: { type: "string", arg: "PATH", help: "checkpoint file (default: FILE.checkpoint.jsonl)" },
      report: { type: "string", arg: "PATH", help: "where rejected and failed rows go, with reasons, as JSONL (default: FILE.report.jsonl)" },
      "overwrite-report": { type: "boolean", help: "replace an existing --report file that is not this import's (refused otherwise)" },
      "from-report": { type: "boolean", help: "FILE is a report of an earlier import: send its rejected rows, as you fixed them, once" },
      delimiter: { type: "string", arg: "CHAR", help: "CSV delimiter: one character, or tab (default ,)" },
      "ignore-extra-columns": { type: "boolean", help: "CSV columns that are not rating fields are not sent (they stay in the report)" },
      dedupe: { type: "boolean", help: "send a row only if no earlier row of the file has the same content (duplicates are sent, and counted, otherwise)" },
      "retry-failed": { type: "boolean", help: "send again the rows that failed definitively in a previous run" },
      "retry-unknown": { type: "boolean", help: "send again the rows whose delivery was unknown in a previous run (may duplicate)" },
      "progress-every": { type: "string", arg: "SECONDS", help: "progress line interval when stderr is not a terminal (default 5; 0: none)" },
      quiet: { type: "boolean", short: "q", help: "no progress output" },
    }),
  },
  mock: {
    summary: "start the embedded Prism mock of the API and print its URL",
    usage: "paradigm-client mock [--port N] [--host HOST]",
    about:
      "Serves the vendored spec with Prism (requests are validated; any bearer key is accepted) until Ctrl-C.\nNeeds the Prism packages (@stoplight/prism-http-server), installed as dev dependencies of this package.",
    options: (): Opts => ({
      port: { type: "string", arg: "N", help: "port (default 0: a free one)" },
      host: { type: "string", arg: "HOST", help: "interface (default 127.0.0.1)" },
    }),
  },
  ...POSTGRES_COMMANDS,
} as const;
type Command = keyof typeof COMMANDS;

function optionLines(opts: Opts): string[] {
  const rows = Object.entries(opts).map(([name, o]) => [`${o.short ? `-${o.short}, ` : "    "}--${name}${o.arg ? ` ${o.arg}` : ""}`, o.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([l, h]) => `  ${l.padEnd(w)}  ${h}`);
}

export function helpText(command?: Command): string {
  if (command) {
    const c = COMMANDS[command];
    const common = command === "mock" || Object.hasOwn(POSTGRES_COMMANDS, command) ? { json: COMMON.json as Opt, help: COMMON.help as Opt } : COMMON;
    return [`Usage: ${c.usage}`, "", c.about, "", "Options:", ...optionLines({ ...c.options(), ...common }), "", exitLines()].join("\n");
  }
  const names = Object.keys(COMMANDS) as Command[];
  return [
    "paradigm-client: log feedback to LightOn's Paradigm API (v2) from the command line",
    "",
    "Usage:",
    ...names.map((n) => `  ${COMMANDS[n].usage}`),
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(Math.max(...names.map((m) => m.length)))} ${COMMANDS[n].summary}`),
    "",
    "Environment:",
    "  PARADIGM_API_KEY   API key for rate and import, sent as a Bearer token (never printed)",
    "  PARADIGM_BASE_URL  API origin (default https://paradigm.lighton.ai); --base-url wins over it",
    "  PARADIGM_LOG       client log level: off (default), error, warn, info, debug",
    "  DATABASE_URL       PostgreSQL for postgres-* (else PGHOST, PGUSER, PGPASSWORD…); its password is never printed",
    "",
    exitLines(),
    "",
    "Run 'paradigm-client <command> --help' for a command's options. --version prints the version.",
  ].join("\n");
}

function exitLines(): string {
  return ["Exit codes:", ...Object.values(EXIT).map(([n, what]) => `  ${String(n).padEnd(4)} ${what}`)].join("\n");
}

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** stderr is a terminal: draw a progress bar instead of periodic lines. */
  tty: boolean;
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal | undefined;
  /**
   * Aborted on a second Ctrl-C, just before the process exits without waiting for the work in flight: with --json,
   * its listener prints the command's last JSON object (synchronously), so stdout never ends up empty.
   */
  quit?: AbortSignal | undefined;
}

/** What a command prints as its JSON object if a second Ctrl-C quits it before it prints its own. */
type LastWords = { words?: (() => Record<string, unknown>) | undefined };

class UsageError extends Error {}

/** Writes `text` and returns `exit`, so a branch can end in one line. */
const say = (write: (s: string) => void, text: string, exit: number): number => {
  write(text);
  return exit;
};

function parse(command: Command, argv: string[]) {
  const defs = { ...COMMANDS[command].options(), ...COMMON };
  const options = Object.fromEntries(Object.entries(defs).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }])) as Record<
    string,
    { type: "string" | "boolean"; short?: string }
  >;
  try {
    for (const [k, o] of Object.entries(defs)) if (o.multiple) (options[k] as { multiple?: boolean }).multiple = true;
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
    // parseArgs keeps the last value of a repeated flag; a user who typed two values meant something else.
    const seen = new Set<string>();
    for (const t of parsed.tokens) {
      // Only values can conflict: a boolean flag given twice means the same thing.
      if (t.kind !== "option" || defs[t.name]?.type !== "string" || defs[t.name]?.multiple) continue;
      if (seen.has(t.name)) throw new UsageError(`--${t.name} is given twice; give it once`);
      seen.add(t.name);
    }
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  }
}

const MEDIA_SHORT: Record<string, string> = { json: "application/json", form: "application/x-www-form-urlencoded", multipart: "multipart/form-data" };

/** --media-type: a short name or a media type the spec declares for the rate operation. */
function mediaTypeOf(v: string | undefined): RateMediaType | undefined {
  if (v === undefined) return undefined;
  const declared = Object.keys(operationSpec("POST", RATE_PATH)?.body?.content ?? {});
  const full = MEDIA_SHORT[v] ?? v;
  if (!declared.includes(full)) {
    const short = Object.entries(MEDIA_SHORT)
      .filter(([, m]) => declared.includes(m))
      .map(([k]) => k);
    throw new UsageError(`--media-type must be one of ${short.join(", ")} (or ${declared.join(", ")}), got ${JSON.stringify(v)}`);
  }
  return full as RateMediaType;
}

const int = (name: string, v: string | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!isIntegerAtLeast(n, min) || v.trim() === "") throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
};

function makeClient(values: Record<string, unknown>, io: Io): ParadigmClient {
  if (!io.env.PARADIGM_API_KEY) throw new ParadigmConfigError("PARADIGM_API_KEY is not set: put your Paradigm API key in it. Nothing was sent.");
  try {
    return createParadigmClient({
      apiKey: io.env.PARADIGM_API_KEY,
      baseUrl: (values["base-url"] as string | undefined) ?? io.env.PARADIGM_BASE_URL,
      timeoutMs: int("timeout-ms", values["timeout-ms"] as string | undefined, 1) ?? 30_000,
      allowInsecureHttp: values["allow-insecure-http"] === true,
    });
  } catch (e) {
    // The library's words name its option; on the command line it is a flag.
    if (e instanceof ParadigmConfigError && e.message.includes("allowInsecureHttp: true"))
      throw new ParadigmConfigError(e.message.replace("allowInsecureHttp: true", "--allow-insecure-http"), { cause: e });
    throw e;
  }
}

async function rate(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("rate", argv);
  if (values.help) return say(io.stdout, `${helpText("rate")}\n`, code("ok"));
  if (positionals.length) throw new UsageError(`rate takes no positional arguments (got ${positionals.join(" ")}); use --type and --completion`);
  const fields = ratingFields();
  const body = fields.filter((f) => f.in === "body");
  const nulls = new Set<string>();
  for (const v of ((values.null as string[] | undefined) ?? []).flatMap((x) => x.split(","))) {
    const f = body.find((b) => b.name === v.trim() || flagOf(b.name) === v.trim());
    if (!f) throw new UsageError(`--null takes the rating's fields (${body.map((b) => flagOf(b.name)).join(", ")}), not ${v.trim() || '""'}`);
    nulls.add(f.name);
  }
  const input: Record<string, unknown> = {};
  for (const f of fields) {
    const given = values[flagOf(f.name)];
    if (nulls.has(f.name)) {
      if (given !== undefined) throw new UsageError(`--${flagOf(f.name)} and --null ${flagOf(f.name)} are both given; choose one`);
      input[f.name] = null;
      continue;
    }
    if (given === undefined) {
      if (f.in === "path") throw new UsageError(`rate needs --${flagOf(f.name)}`);
      continue;
    }
    // Same typing as a CSV cell (by the spec, path parameters included), except that "" is the empty string, not null.
    input[f.name] = typeCell(f.schema, given as string, true);
  }
  const { feedback_type_id, completion_id, ...feedback } = input;
  if (Object.keys(feedback).length === 0)
    throw new UsageError(`rate needs at least one of the rating's fields (${body.map((b) => `--${flagOf(b.name)}`).join(", ")}, --null FIELD)`);
  const mediaType = mediaTypeOf(values["media-type"] as string | undefined);
  const client = makeClient(values, io);
  const path = RATE_PATH.replace("{feedback_type_id}", encodeURIComponent(String(feedback_type_id))).replace(
    "{completion_id}",
    encodeURIComponent(String(completion_id)),
  );
  try {
    const r = await client.rate(
      feedback_type_id as RatePathParams["feedback_type_id"],
      completion_id as RatePathParams["completion_id"],
      feedback as FeedbackInput,
      mediaType ? { signal: io.signal, mediaType } : { signal: io.signal },
    );
    if (values.json) io.stdout(`${JSON.stringify({ outcome: "delivered", status: r.status, attempts: r.attempts, requestId: r.requestId ?? null })}\n`);
    else
      io.stdout(
        `delivered: POST ${path} → ${r.status} (${r.attempts} attempt${r.attempts === 1 ? "" : "s"}${r.requestId ? `, request id ${r.requestId}` : ""})\n`,
      );
    return code("ok");
  } catch (e) {
    if (!(e instanceof ParadigmError) || e instanceof ParadigmConfigError) throw e;
    const outcome = e instanceof ParadigmValidationError ? "rejected" : e.deliveryUnknown ? "unknown" : "failed";
    const what = outcome === "rejected" ? "rejected (nothing sent)" : outcome === "unknown" ? "delivery unknown" : "not delivered";
    const detail = e instanceof ParadigmValidationError ? formatIssues(e.issues) : `${e.name}: ${e.message}`;
    if (values.json) io.stdout(`${JSON.stringify({ outcome, error: e.name, message: detail })}\n`);
    io.stderr(`${what}: POST ${path}: ${detail}\n`);
    if (e.name === "ParadigmAbortError") return code("interrupted");
    return outcome === "unknown" ? code("unknown") : code("notDelivered");
  }
}

const fmt = (n: number) => n.toLocaleString("en-US");

function progressLine(p: ImportProgress): string {
  // rowsExpected is 0 until a chunk of the file is parsed: no percentage or total until then.
  const pct = p.rowsExpected ? `${String(Math.min(100, Math.floor((100 * p.rowsDone) / p.rowsExpected))).padStart(3)}%` : "   …";
  const total = p.rowsExpected ? `/${p.rowsExact ? "" : "~"}${fmt(p.rowsExpected)}` : "";
  const rate = p.elapsedMs > 0 ? Math.round((p.delivered * 1000) / p.elapsedMs) : 0;
  return `${pct}  ${fmt(p.rowsDone)}${total} rows  ${fmt(p.delivered)} delivered  ${fmt(p.rejected)} rejected  ${fmt(p.failed)} failed  ${fmt(p.unknown)} unknown  ${fmt(rate)}/s`;
}

function bar(p: ImportProgress, width = 24): string {
  const f = p.rowsExpected ? Math.min(1, p.rowsDone / p.rowsExpected) : 0;
  const n = Math.round(f * width);
  return `[${"#".repeat(n)}${"-".repeat(width - n)}]`;
}

function summaryText(file: string, s: ImportSummary, dedupe: boolean): string {
  const secs = (s.elapsedMs / 1000).toFixed(1);
  const rows: [string, number, string][] = [
    ["delivered", s.delivered, s.resumed ? `(${fmt(s.resumed)} of them resumed from the checkpoint)` : ""],
    ["rejected", s.rejected, s.rejected ? "(invalid rows, this run and earlier ones: nothing sent; see the report)" : ""],
    ["failed", s.failed, s.failed ? "(refused or failed at the API; see the report; --retry-failed resends)" : ""],
    ["unknown", s.unknown, s.unknown ? "(may or may not have been logged; see the report; --retry-unknown resends)" : ""],
  ];
  if (s.skipped) rows.push(["skipped", s.skipped, "(taken by a previous run of this import)"]);
  if (s.blank) rows.push(["blank", s.blank, "(rows with only empty cells: not imported)"]);
  if (s.duplicates)
    rows.push([
      "duplicate",
      s.duplicates,
      dedupe ? "(same content as an earlier row; left out by --dedupe)" : "(same content as an earlier row; sent again: --dedupe leaves such rows out)",
    ]);
  if (s.ignored)
    rows.push(["ignored", s.ignored, "(report entries that were not rejected rows: the original import resends them with --retry-failed/--retry-unknown)"]);
  const w = Math.max(...rows.map((r) => fmt(r[1]).length));
  return [
    s.interrupted
      ? `Import of ${basename(file)} interrupted after ${secs} s: run the same command again to resume.`
      : `Import of ${basename(file)}: ${fmt(s.rowsRead)} ${s.rowsRead === 1 ? "row" : "rows"} read in ${secs} s.`,
    ...rows.map(([k, n, note]) => `  ${k.padEnd(9)} ${fmt(n).padStart(w)}  ${note}`.trimEnd()),
    `Report:     ${s.report}`,
    `Checkpoint: ${s.checkpoint}`,
  ].join("\n");
}

async function importCommand(argv: string[], io: Io, last: LastWords = {}): Promise<number> {
  const { values, positionals } = parse("import", argv);
  if (values.help) return say(io.stdout, `${helpText("import")}\n`, code("ok"));
  if (positionals.length !== 1) throw new UsageError(`import takes one FILE (got ${positionals.length})`);
  const file = positionals[0] as string;
  const format = values.format as string | undefined;
  if (format !== undefined && format !== "csv" && format !== "jsonl") throw new UsageError(`--format must be csv or jsonl, got ${JSON.stringify(format)}`);
  if (!format && !formatOf(file) && values["from-report"] !== true)
    throw new UsageError(`Cannot tell the format of ${file} from its extension: pass --format csv or --format jsonl`);
  const every = values["progress-every"] === undefined ? 5 : Number(values["progress-every"]);
  if (!(every >= 0)) throw new UsageError(`--progress-every must be a number of seconds ≥ 0`);
  const delimiter = values.delimiter === "tab" ? "\t" : (values.delimiter as string | undefined);
  if (delimiter !== undefined && (delimiter.length !== 1 || /["\r\n]/.test(delimiter)))
    throw new UsageError(`--delimiter must be one character (or tab), not a quote or a line break; got ${JSON.stringify(values.delimiter)}`);
  const mediaType = mediaTypeOf(values["media-type"] as string | undefined);
  const client = makeClient(values, io);
  const quiet = values.quiet === true || (!io.tty && every === 0);
  let drawn = false;
  const onProgress = quiet
    ? undefined
    : (p: ImportProgress) => {
        if (io.tty) {
          io.stderr(`\r\x1b[2K${bar(p)} ${progressLine(p)}`);
          drawn = true;
        } else io.stderr(`progress: ${progressLine(p)}\n`);
      };
  const opts: ImportOptions = {
    file,
    format: format as ImportFormat | undefined,
    checkpoint: values.checkpoint as string | undefined,
    report: values.report as string | undefined,
    overwriteReport: values["overwrite-report"] === true,
    fromReport: values["from-report"] === true,
    delimiter,
    ignoreExtraColumns: values["ignore-extra-columns"] === true,
    dedupe: values.dedupe === true,
    queue: mediaType ? { rateOptions: { mediaType } } : undefined,
    concurrency: int("concurrency", values.concurrency as string | undefined, 1),
    retryFailed: values["retry-failed"] === true,
    retryUnknown: values["retry-unknown"] === true,
    signal: io.signal,
    onProgress,
    progressMs: io.tty ? 200 : every * 1000,
    // Quit at once: the summary so far. Requests still in flight are its inFlight; the next run reports them as unknown.
    onStart: (summary) => {
      last.words = () => ({ file, ...summary(), interrupted: true });
    },
  };
  const s = await runImport(client, opts);
  if (drawn) io.stderr("\r\x1b[2K");
  if (values.json) io.stdout(`${JSON.stringify({ file, ...s })}\n`);
  else io.stdout(`${summaryText(file, s, values.dedupe === true)}\n`);
  if (s.interrupted) return code("interrupted");
  if (s.rejected || s.failed) return code("notDelivered");
  return s.unknown ? code("unknown") : code("ok");
}

async function mock(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse("mock", argv);
  if (values.help) return say(io.stdout, `${helpText("mock")}\n`, code("ok"));
  if (positionals.length) throw new UsageError(`mock takes no positional arguments`);
  const { startMock } = await import("../mock/index.ts");
  let server: Awaited<ReturnType<typeof startMock>>;
  try {
    server = await startMock({ port: int("port", values.port as string | undefined, 0) ?? 0, host: (values.host as string | undefined) ?? "127.0.0.1" });
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException)?.code === "ERR_MODULE_NOT_FOUND";
    const listen = e instanceof ParadigmConfigError;
    io.stderr(
      missing
        ? "paradigm-client mock needs the Prism packages: npm install --save-dev @stoplight/prism-http-server @stoplight/prism-http @stoplight/prism-core\n"
        : `paradigm-client mock: could not start: ${e instanceof Error ? e.message : String(e)}${listen ? " Pick another --port (0: a free one)." : ""}\n`,
    );
    return code(missing || listen ? "config" : "error");
  }
  if (values.json) io.stdout(`${JSON.stringify({ url: server.url })}\n`);
  else {
    io.stdout(`Prism mock of the Paradigm API listening on ${server.url}\n`);
    io.stdout(`Try: PARADIGM_BASE_URL=${server.url} PARADIGM_API_KEY=any-key paradigm-client rate --type 1 --completion cmpl-1 --flag true\n`);
    io.stdout("Ctrl-C stops it.\n");
  }
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  // close() waits for clients' idle keep-alive sockets; Ctrl-C should not.
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
  return code("ok");
}

async function postgres(command: PostgresCommand, argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(command, argv);
  if (values.help) return say(io.stdout, `${helpText(command)}\n`, code("ok"));
  if (positionals.length) throw new UsageError(`${command} takes no positional arguments`);
  return runPostgresCommand(command, values, io, { ok: code("ok"), error: code("error") });
}

function version(): string {
  // ../package.json from both src/cli/index.ts and dist/cli.js.
  return (JSON.parse(readFileSync(packageFile("package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** Runs the CLI with `argv` (no node/script prefix); resolves with the exit code. Never throws. */
export async function main(argv: string[], outer: Io): Promise<number> {
  const [command, ...rest] = argv;
  // With --json, every exit prints one object: a second Ctrl-C (io.quit) prints the command's last words, unless
  // it printed its own already.
  let printed = false;
  let quitting = false;
  const io: Io = {
    ...outer,
    stdout: (s) => {
      if (quitting) return; // the last words are out; the process is exiting
      printed = true;
      outer.stdout(s);
    },
  };
  const last: LastWords = {};
  const onQuit = () => {
    if (printed || !rest.includes("--json")) return;
    const words = last.words?.() ?? {
      outcome: "interrupted",
      exitCode: code("interrupted"),
      message: "quit at once (Ctrl-C twice), without waiting for the work in flight",
    };
    io.stdout(`${JSON.stringify(words)}\n`);
    quitting = true;
  };
  io.quit?.addEventListener("abort", onQuit, { once: true });
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      const topic = command === "help" ? rest[0] : undefined;
      if (topic && topic in COMMANDS) io.stdout(`${helpText(topic as Command)}\n`);
      else if (command === undefined) io.stderr(`${helpText()}\n`);
      else io.stdout(`${helpText()}\n`);
      return command === undefined ? code("usage") : code("ok");
    }
    if (command === "--version" || command === "-v") return say(io.stdout, `${version()}\n`, code("ok"));
    if (command === "rate") return await rate(rest, io);
    if (command === "import") return await importCommand(rest, io, last);
    if (command === "mock") return await mock(rest, io);
    if (Object.hasOwn(POSTGRES_COMMANDS, command)) return await postgres(command as PostgresCommand, rest, io);
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (e) {
    // With --json, stdout stays machine-readable: one error object beside the words on stderr.
    const fail = (words: string, exit: number, name: string, message: string) => {
      io.stderr(words);
      if (rest.includes("--json")) io.stdout(`${JSON.stringify({ outcome: "error", error: name, exitCode: exit, message })}\n`);
      return exit;
    };
    if (e instanceof UsageError) {
      const topic = command && command in COMMANDS ? ` ${command}` : "";
      return fail(`paradigm-client: ${e.message}\nRun 'paradigm-client${topic} --help' for usage.\n`, code("usage"), "UsageError", e.message);
    }
    if (e instanceof ParadigmConfigError) return fail(`paradigm-client: ${e.message}\n`, code("config"), e.name, e.message);
    if (e instanceof ParadigmImportError && e.kind === "busy") return fail(`paradigm-client: ${e.message}\n`, code("busy"), e.name, e.message);
    if (e instanceof ParadigmImportError) {
      const topic = command === "import" ? " import" : "";
      return fail(`paradigm-client: ${e.message}\nRun 'paradigm-client${topic} --help' for usage.\n`, code("usage"), e.name, e.message);
    }
    const known = e instanceof ParadigmError;
    const message = known ? e.message : String((e as Error)?.message ?? e);
    return fail(
      `paradigm-client: ${known ? `${e.name}: ${e.message}` : ((e as Error)?.stack ?? String(e))}\n`,
      code("error"),
      known ? e.name : "Error",
      message,
    );
  } finally {
    io.quit?.removeEventListener("abort", onQuit);
  }
}

function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const ctl = new AbortController();
  const quit = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      quit.abort(); // with --json, the command prints its last object now
      // Once stdout has taken it (a pipe may be asynchronous), or after a second at most.
      setTimeout(() => process.exit(code("interrupted")), 1000).unref();
      process.stdout.write("", () => process.exit(code("interrupted")));
      return;
    }
    if (sig === "SIGINT" && process.argv[2] === "import")
      process.stderr.write("\ninterrupting: finishing the requests in flight (Ctrl-C again to quit at once)…\n");
    ctl.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // No top-level await: the entry also builds as CommonJS.
  void main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    tty: process.stderr.isTTY === true,
    env: process.env,
    signal: ctl.signal,
    quit: quit.signal,
  }).then((exit) => {
    process.exitCode = exit;
    // Keep-alive sockets may hold the loop open a few seconds; the work is done.
    setTimeout(() => process.exit(exit), 50).unref();
  });
}
