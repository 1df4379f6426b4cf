// A durable outbox for the feedback queue: an append-only JSONL log, fsynced in groups, rewritten on
// compaction. This file is the writer (append, fsync, compaction); store-replay.ts reads the log back and
// store-lock.ts keeps one process per log. Each item's life is a few records (add → send → done | back | fail), so after a crash the log
// says, per item, whether it was never sent (safe to send), in flight (ambiguous) or settled.
import { randomBytes } from "node:crypto";
import { type FileHandle, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { FeedbackInput, RatePathParams } from "../client/client.ts";
import { ParadigmError } from "../core/errors.ts";
import { releaseLock, takeLock } from "./store-lock.ts";
import { LiveLog, replay } from "./store-replay.ts";

/** A persisted error: enough to tell the user what happened after a restart. */
export interface StoredError {
  name: string;
  message: string;
  status?: number | undefined;
  deliveryUnknown: boolean;
}

/** One line of the log. `ref` is the caller's own key for an item (the CLI uses the input row number). */
export type StoreRecord =
  | {
      op: "add";
      id: string;
      feedback_type_id: RatePathParams["feedback_type_id"];
      completion_id: RatePathParams["completion_id"];
      feedback: FeedbackInput;
      ref?: string | number | undefined;
    }
  /** About to be sent: from here until done/back/fail, a crash leaves the item's delivery unknown. */
  | { op: "send"; id: string }
  /** The attempt was refused in a way that proves nothing was logged (429, 503 + Retry-After, connection refused): pending again. */
  | { op: "back"; id: string }
  | { op: "done"; id: string }
  | { op: "fail"; id: string; error: StoredError }
  /** A failed item put back in the queue by retryFailed(). */
  | { op: "retry"; id: string }
  /**
   * Caller metadata (kept across compaction) and/or a cursor: `lastRef` moves the log's lastRef forward as an
   * `add` with that ref would (the CLI uses it to step over trailing rejected rows). Compaction writes one last.
   */
  | { op: "meta"; meta?: Record<string, unknown> | undefined; lastRef?: string | number | undefined };

/** An item the log says is not settled, or failed. */
export interface StoredFeedback {
  id: string;
  feedbackTypeId: RatePathParams["feedback_type_id"];
  completionId: RatePathParams["completion_id"];
  feedback: FeedbackInput;
  ref: string | number | undefined;
  /** pending: never sent, or refused; sending: a crash caught it in flight; failed: settled with `error`. */
  state: "pending" | "sending" | "failed";
  error?: StoredError | undefined;
}

export interface StoreSnapshot {
  items: StoredFeedback[];
  meta: Record<string, unknown> | undefined;
  /**
   * The log's cursor: the ref of the latest item ever accepted (an `add` carrying a ref, settled or not), or set
   * by a `meta` record; undefined if none. It never goes back: with number refs it is the highest one accepted,
   * whatever the order; with string refs, the latest in log order. Compaction keeps it, and the items it re-writes
   * (held failed, unknown or unsent, with older refs) never lower it. So a caller that enqueues with increasing
   * refs can skip every ref ≤ lastRef on a re-run: each was accepted once, and is delivered, held, or still
   * waiting in the outbox (which resumes it).
   */
  lastRef: string | number | undefined;
}

/** What the queue needs from a store. fileStore() is the built-in one; any other backing (a database) can implement it. */
export interface FeedbackStore {
  /** Loads what a previous run left. Called before anything else; calling it again returns the same snapshot. */
  open(): Promise<StoreSnapshot>;
  /** Resolves once the record is durable. Records are applied in call order. */
  append(record: StoreRecord): Promise<void>;
  /** Rewrites the log with only what is still live (pending, in flight, failed), meta and lastRef. */
  compact(): Promise<void>;
  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}

/** The outbox could not be read or written. Nothing is dropped: the item stays where it was (queue, or refused). */
export class ParadigmStoreError extends ParadigmError {
  override name = "ParadigmStoreError";
}

export interface FileStoreOptions {
  /**
   * fsync after each group of writes. Turning it off survives a process crash but not a power loss.
   * @default true
   */
  fsync?: boolean;
  /**
   * Compact while running, not only on flush()/close(), once the file is larger than both this many bytes and
   * 4× what compaction would keep (the live items): the file stays proportional to what is unsettled, and a
   * resume reads little. `Infinity` turns size-triggered compaction off.
   * @default 4 MiB
   */
  compactAtBytes?: number;
}

type Job =
  | { line: string; record: StoreRecord; resolve: () => void; reject: (e: unknown) => void }
  | { compact: true; resolve: () => void; reject: (e: unknown) => void };

const storeError = (what: string, path: string, e: unknown) =>
  e instanceof ParadigmError ? e : new ParadigmStoreError(`Could not ${what} the outbox ${path}: ${(e as Error)?.message ?? String(e)}`, { cause: e });

/**
 * A file-backed outbox: `store: fileStore("outbox.jsonl")`. One line per state change, written in groups
 * with one fsync per group, so thousands of items cost a few hundred fsyncs. The log is compacted (rewritten
 * with only live items, atomically) on flush/close and whenever it outgrows `compactAtBytes` and 4× the live
 * items, so its size follows what is unsettled; it is read back in chunks, keeping only live items. A torn last
 * line (crash mid-write) is dropped on open. A `<path>.lock` file (holding the pid) keeps two live processes off
 * the same log; a lock left by a dead process is taken over.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): FeedbackStore {
  const compactAt = options.compactAtBytes ?? 4 * 1024 * 1024;
  if (!(compactAt > 0)) throw new ParadigmStoreError(`compactAtBytes must be a positive number of bytes, got ${String(options.compactAtBytes)}`);
  return new FileStore(path, options.fsync ?? true, compactAt);
}

/** The log is compacted while running once it exceeds this many times what compaction would keep. */
const GROWTH = 4;

class FileStore implements FeedbackStore {
  #fh: FileHandle | undefined;
  #opening: Promise<StoreSnapshot> | undefined;
  #jobs: Job[] = [];
  #running = false;
  #idle: Promise<void> = Promise.resolve();
  #locked = false;
  #failed: ParadigmError | undefined;
  #closed = false;
  #log = new LiveLog();
  /** Bytes in the file: with the live bytes, the trigger for size-based compaction. */
  #size = 0;
  readonly #lock: string;

  constructor(
    readonly path: string,
    readonly fsync: boolean,
    readonly compactAt: number,
  ) {
    this.#lock = `${path}.lock`;
  }

  open(): Promise<StoreSnapshot> {
    this.#opening ??= this.#open().catch(async (e) => {
      // Unusable: release what we took, so the error is the only trace.
      await this.#fh?.close().catch(() => undefined);
      this.#fh = undefined;
      if (this.#locked) await releaseLock(this.#lock);
      this.#locked = false;
      this.#closed = true;
      throw storeError("open", this.path, e);
    });
    return this.#opening;
  }

  async #open(): Promise<StoreSnapshot> {
    await takeLock(this.#lock, this.path);
    this.#locked = true;
    await this.#removeStaleTemps();
    let fh: FileHandle;
    try {
      fh = await open(this.path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.#fh = await open(this.path, "a");
      return this.#log.snapshot();
    }
    let end: number;
    try {
      end = await replay(fh, this.path, this.#log);
    } finally {
      await fh.close();
    }
    this.#fh = await open(this.path, "a");
    // Only the last line can be torn (single writer, append-only): cut it so the next append starts clean.
    const { size } = await this.#fh.stat();
    if (end < size) await this.#fh.truncate(end);
    this.#size = end;
    return this.#log.snapshot();
  }

  // A process killed mid-compaction leaves its temporary file; with the lock held, any such file is stale.
  async #removeStaleTemps(): Promise<void> {
    const prefix = `${basename(this.path)}.`;
    const names = await readdir(dirname(this.path)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith(prefix) && /^\.[0-9a-f]{8}\.tmp$/.test(name.slice(prefix.length - 1))) {
        await rm(join(dirname(this.path), name), { force: true });
      }
    }
  }

  append(record: StoreRecord): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed || !this.#opening) return Promise.reject(new ParadigmStoreError(`The outbox ${this.path} is ${this.#closed ? "closed" : "not open"}.`));
    return new Promise((resolve, reject) => {
      this.#jobs.push({ line: `${JSON.stringify(record)}\n`, record, resolve, reject });
      void this.#run();
    });
  }

  compact(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed || !this.#opening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#jobs.push({ compact: true, resolve, reject });
      void this.#run();
    });
  }

  // The single writer. Records queued while a write is under way go out together in the next group.
  #run(): Promise<void> {
    if (this.#running) return this.#idle;
    this.#running = true;
    this.#idle = this.#loop();
    return this.#idle;
  }

  async #loop(): Promise<void> {
    try {
      await this.#opening;
      while (this.#jobs.length) {
        const first = this.#jobs[0] as Job;
        if ("compact" in first) {
          this.#jobs.shift();
          try {
            await this.#compactNow();
            first.resolve();
          } catch (e) {
            this.#fail(storeError("compact", this.path, e), [first]);
          }
          continue;
        }
        let n = 0;
        while (n < this.#jobs.length && !("compact" in (this.#jobs[n] as Job))) n++;
        const batch = this.#jobs.splice(0, n) as Extract<Job, { line: string }>[];
        try {
          const fh = this.#fh as FileHandle;
          const text = batch.map((j) => j.line).join("");
          await fh.write(text);
          if (this.fsync) await fh.datasync();
          this.#size += Buffer.byteLength(text);
        } catch (e) {
          this.#fail(storeError("write", this.path, e), batch);
          continue;
        }
        for (const j of batch) {
          this.#log.apply(j.record, Buffer.byteLength(j.line));
          j.resolve();
        }
        // Compact by size while running, so the log stays proportional to what is unsettled.
        if (this.#size > this.compactAt && this.#size > GROWTH * this.#log.liveBytes) {
          try {
            await this.#compactNow();
          } catch (e) {
            this.#fail(storeError("compact", this.path, e), []);
          }
        }
      }
    } catch (e) {
      this.#fail(storeError("open", this.path, e), this.#jobs.splice(0));
    } finally {
      this.#running = false;
    }
  }

  // After a failed write the log may hold a partial group: refuse everything from then on, loudly.
  #fail(error: ParadigmError, jobs: Job[]): void {
    this.#failed ??= error;
    for (const j of [...jobs, ...this.#jobs.splice(0)]) j.reject(this.#failed);
  }

  async #compactNow(): Promise<void> {
    const text = this.#log.compacted();
    const tmp = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
    const out = await open(tmp, "w");
    try {
      await out.writeFile(text);
      if (this.fsync) await out.sync();
    } finally {
      await out.close();
    }
    await (this.#fh as FileHandle).close();
    this.#fh = undefined;
    await rename(tmp, this.path);
    if (this.fsync) {
      // The rename itself is durable only once the directory is synced.
      const dir = await open(dirname(this.path), "r");
      await dir.sync().finally(() => dir.close());
    }
    this.#fh = await open(this.path, "a");
    this.#size = Buffer.byteLength(text);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true; // new appends are refused; queued ones still get written (their callers wait on them)
    if (!this.#opening) return;
    await this.#opening.catch(() => undefined);
    while (this.#running) await this.#idle;
    await this.#fh?.close();
    this.#fh = undefined;
    if (this.#locked) await releaseLock(this.#lock);
  }
}
