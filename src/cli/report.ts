// The import report: rejected and failed rows, one JSON object per line, resumable with the checkpoint.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { formatIssues, type ParadigmError, ParadigmValidationError } from "../core/errors.ts";
import type { QueuedFeedback } from "../queue/index.ts";
import { ParadigmImportError } from "./import-error.ts";

export interface ReportEntry {
  row: number | undefined;
  line?: number | undefined;
  status: "rejected" | "failed" | "unknown";
  reason: string;
  /** "csv": `input` holds the row's CSV cells as text, and null for an unquoted empty cell (`""` is the empty string). */
  format?: "csv" | undefined;
  input?: unknown;
}

/** What makes an entry the same as another: its row and status (a row is reported once per status). */
const key = (e: Pick<ReportEntry, "row" | "status">) => `${e.row}:${e.status}`;

/** Rejected and failed rows, one JSON object per line. On resume, rows already reported are not repeated. */
export class Report {
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
        this.#seen.add(key(e));
        if (e.status === "rejected") this.rejected++;
      }
    } else writeFileSync(path, "");
  }
  /**
   * Drops the failed and unknown entries of rows no longer held (a retry delivered them, or holds them with another
   * status), once a run has settled every item: the report then says what is still undelivered. Replaced through a
   * rename, so a crash leaves the old report or the new one, never half of it.
   */
  keepHeld(held: Iterable<Pick<ReportEntry, "row" | "status">>): void {
    if (!existsSync(this.path)) return; // removed by hand during the run: nothing to correct
    const keep = new Set([...held].map(key));
    const lines = readFileSync(this.path, "utf8").split("\n").filter(Boolean);
    const kept: string[] = [];
    for (const l of lines) {
      const e = JSON.parse(l) as ReportEntry;
      if (e.status === "rejected" || keep.has(key(e))) kept.push(`${l}\n`);
      else this.#seen.delete(key(e));
    }
    if (kept.length === lines.length) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, kept.join(""));
    renameSync(tmp, this.path);
  }
  write(e: ReportEntry): void {
    const k = key(e);
    if (this.#seen.has(k)) return;
    this.#seen.add(k);
    if (e.status === "rejected") this.rejected++;
    appendFileSync(this.path, `${JSON.stringify(e)}\n`);
  }
}

export const reason = (e: ParadigmError) => (e instanceof ParadigmValidationError ? formatIssues(e.issues) : `${e.name}: ${e.message}`);

const asInput = (i: QueuedFeedback) => ({ feedback_type_id: i.feedbackTypeId, completion_id: i.completionId, ...i.feedback });

/** The entry of an item held after sending: failed, or unknown when it may have been delivered. */
export const heldEntry = (item: QueuedFeedback, error: ParadigmError, deliveryUnknown: boolean): ReportEntry => ({
  row: item.ref as number | undefined,
  status: deliveryUnknown ? "unknown" : "failed",
  reason: reason(error),
  input: asInput(item),
});
