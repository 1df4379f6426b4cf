// The outbox's replay, apart from its writer: what the log says is live (the state each record moves an item
// to, the metadata and the cursor), and reading a log back in chunks after a restart.
import type { FileHandle } from "node:fs/promises";
import { ParadigmStoreError, type StoredFeedback, type StoreRecord, type StoreSnapshot } from "./store.ts";

/** The cursor after accepting `ref`: never lower for numbers (an older item re-written by compaction cannot move it back). */
function advance(last: string | number | undefined, ref: string | number | undefined): string | number | undefined {
  if (ref === undefined) return last;
  if (typeof ref === "number" && typeof last === "number") return Math.max(last, ref);
  return ref;
}

/** A live item as the store keeps it: what the snapshot shows, plus the bytes it costs in a compacted file. */
type Live = StoredFeedback & { bytes: number; stateBytes: number };

/** Replay reads the log in chunks of this size: memory is the live items plus one chunk, not the file. */
const READ_CHUNK = 1024 * 1024;

/** The live part of a log, kept up to date record by record, both on replay and as the writer appends. */
export class LiveLog {
  #items = new Map<string, Live>();
  #meta: Record<string, unknown> | undefined;
  #lastRef: string | number | undefined;
  /** What a compaction would write: with the file's size, the trigger for size-based compaction. */
  liveBytes = 0;

  snapshot(): StoreSnapshot {
    const items = [...this.#items.values()].map(({ bytes: _b, stateBytes: _s, ...i }): StoredFeedback => i);
    return { items, meta: this.#meta, lastRef: this.#lastRef };
  }

  // `bytes`: the record's line as written, what compaction will write again for it while it is live.
  apply(r: StoreRecord, bytes: number): void {
    if (r.op === "add") {
      if (!this.#items.has(r.id)) {
        this.#items.set(r.id, {
          id: r.id,
          feedbackTypeId: r.feedback_type_id,
          completionId: r.completion_id,
          feedback: r.feedback,
          ref: r.ref,
          state: "pending",
          bytes,
          stateBytes: 0,
        });
        this.liveBytes += bytes;
      }
      this.#lastRef = advance(this.#lastRef, r.ref);
      return;
    }
    if (r.op === "meta") {
      if (r.meta !== undefined) this.#meta = r.meta;
      this.#lastRef = advance(this.#lastRef, r.lastRef);
      return;
    }
    const item = this.#items.get(r.id);
    if (!item) return;
    this.liveBytes -= item.stateBytes;
    item.stateBytes = 0;
    if (r.op === "done") {
      this.#items.delete(r.id);
      this.liveBytes -= item.bytes;
      return;
    }
    if (r.op === "send") item.state = "sending";
    else if (r.op === "back" || r.op === "retry") {
      item.state = "pending";
      item.error = undefined;
    } else if (r.op === "fail") {
      item.state = "failed";
      item.error = r.error;
    }
    if (r.op === "send" || r.op === "fail") item.stateBytes = bytes;
    this.liveBytes += item.stateBytes;
  }

  /** The compacted log: the live items, then the cursor last, so replay ends on it whatever their refs. */
  compacted(): string {
    const lines: string[] = [];
    for (const i of this.#items.values()) {
      lines.push(JSON.stringify({ op: "add", id: i.id, feedback_type_id: i.feedbackTypeId, completion_id: i.completionId, feedback: i.feedback, ref: i.ref }));
      if (i.state === "sending") lines.push(JSON.stringify({ op: "send", id: i.id }));
      if (i.state === "failed" && i.error) lines.push(JSON.stringify({ op: "fail", id: i.id, error: i.error }));
    }
    if (this.#meta !== undefined || this.#lastRef !== undefined) lines.push(JSON.stringify({ op: "meta", meta: this.#meta, lastRef: this.#lastRef }));
    return lines.length ? `${lines.join("\n")}\n` : "";
  }
}

/**
 * Replays the log open in `fh` into `log`, line by line: memory holds the live items and one chunk, whatever
 * the file's size. Returns the bytes up to the end of the last complete line (a torn tail is not counted).
 */
export async function replay(fh: FileHandle, path: string, log: LiveLog): Promise<number> {
  let end = 0;
  // One buffer, reused: the unfinished line moves to its front, the next read fills the rest.
  let buf = Buffer.alloc(READ_CHUNK);
  let carry = 0;
  let lineNo = 0;
  for (;;) {
    if (buf.length - carry < READ_CHUNK / 2) {
      const bigger = Buffer.alloc(buf.length * 2); // a line longer than the buffer
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, carry, buf.length - carry, null);
    if (!bytesRead) break;
    const filled = carry + bytesRead;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1 && nl < filled; nl = buf.indexOf(10, start)) {
      lineNo++;
      const line = buf.toString("utf8", start, nl);
      const lineBytes = nl + 1 - start;
      end += lineBytes;
      start = nl + 1;
      if (!line.trim()) continue;
      let record: StoreRecord | undefined;
      try {
        record = JSON.parse(line) as StoreRecord;
      } catch {
        // refused below
      }
      // Valid JSON of another shape (another program's JSONL, rows of ratings) is refused too: taken as an empty
      // outbox, the file would be compacted away.
      if (!isRecord(record))
        throw new ParadigmStoreError(`The outbox ${path} is corrupt at line ${lineNo}; it was not written by this library, or was edited.`);
      log.apply(record, lineBytes);
    }
    carry = filled - start;
    buf.copy(buf, 0, start, filled);
  }
  return end;
}

const ITEM_OPS = new Set(["send", "back", "done", "fail", "retry"]);

/** Whether a parsed line has the shape of a record this library writes. */
function isRecord(r: unknown): r is StoreRecord {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  if (o.op === "meta") return true;
  if (typeof o.id !== "string") return false;
  if (o.op === "add") return "feedback_type_id" in o && "completion_id" in o && typeof o.feedback === "object" && o.feedback !== null;
  return ITEM_OPS.has(o.op as string);
}
