// The checkpoint's fingerprint of its input. The checkpoint records a hash of the whole file as it was; a later
// file that only grew keeps those bytes as its prefix, so it may continue the import, and any other change is refused.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { ParadigmImportError } from "./import-error.ts";

/** What the checkpoint remembers of its input: the whole file's hash then, so a later file can be checked to only have grown. */
export interface Source {
  path: string;
  size: number;
  sha256: string;
  /** The file ended with a line break: rows appended later cannot have extended its last row. */
  endsWithNewline: boolean;
}

/** The whole file's source, and (when asked) the hash of its first `cut` bytes and the byte just after them. */
export interface Hashed {
  source: Source;
  prefix?: string;
  byteAtCut?: number;
}

/** One pass over the file: its hash, and the hash of its first `cut` bytes (the previous run's file). */
export async function hashFile(file: string, cut: number | undefined): Promise<Hashed> {
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
export async function changedSince(file: string, previous: Record<string, unknown>, current: Hashed): Promise<string | undefined> {
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

/**
 * The source a checkpoint recorded last, read without the lock (to know how much of the file to hash). Compaction
 * writes the meta after the held items, so it is looked for on every line, not only the first.
 */
export async function peekSource(checkpoint: string): Promise<Record<string, unknown> | undefined> {
  let source: Record<string, unknown> | undefined;
  try {
    for (const line of (await readFile(checkpoint, "utf8")).split("\n")) {
      if (!line.includes('"source"')) continue;
      const found = (JSON.parse(line) as { meta?: { source?: Record<string, unknown> } }).meta?.source;
      if (found) source = found;
    }
  } catch {
    // a torn line: the store reads the checkpoint properly later
  }
  return source;
}

/** hashFile, with an unreadable input reported as ParadigmImportError. */
export async function fingerprint(file: string, cut: number | undefined): Promise<Hashed> {
  try {
    return await hashFile(file, cut);
  } catch (e) {
    throw new ParadigmImportError(`Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}
