// Opening an import's checkpoint (the queue's file outbox): the lock, the check that the input may continue the
// import it records, the report that goes with it, and the meta that names this run's source and report.
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import type { ParadigmError } from "../core/errors.ts";
import { type FeedbackStore, fileStore, ParadigmStoreError, type StoredFeedback } from "../queue/index.ts";
import { changedSince, type Hashed, hashFile, type Source } from "./fingerprint.ts";
import { ParadigmImportError, plural } from "./import-error.ts";
import { type ImportPaths, refuseReport, same } from "./import-paths.ts";
import { Report } from "./report.ts";
import type { ImportFormat } from "./rows.ts";

export interface OpenedCheckpoint {
  store: FeedbackStore;
  report: Report;
  /** The input as this run reads it. */
  source: Source;
  /** The items an earlier run left in the checkpoint (undelivered, in flight at a crash, or failed). */
  held: readonly StoredFeedback[];
}

/**
 * Opens the checkpoint and the report, refusing (and leaving no trace) a checkpoint made for another input, one
 * locked by another process, or a report that is not this import's own. `hashed` was taken with `peekedSize`
 * (the size the checkpoint recorded, read without the lock) as its cut.
 */
export async function openCheckpoint(
  file: string,
  format: ImportFormat,
  paths: ImportPaths,
  hashed: Hashed,
  peekedSize: unknown,
  overwriteReport: boolean | undefined,
): Promise<OpenedCheckpoint> {
  const { checkpoint, checkpointWasThere, reportExists, report: reportPath } = paths;
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
        `${file} is already being imported by process ${holder}, with the checkpoint ${checkpoint}. Wait for it to finish (or stop it), then run this again.`,
        { kind: "busy", cause: e },
      );
    }
    throw new ParadigmImportError(`Cannot use the checkpoint ${checkpoint}: ${(e as Error).message}`, { cause: e });
  }
  const previous = snap.meta?.source as Record<string, unknown> | undefined;
  if (previous) {
    if (typeof previous.sha256 === "string" && previous.size !== peekedSize) hashed = await hashFile(file, previous.size as number);
    const why = await changedSince(file, previous, hashed);
    if (why) {
      const held = snap.items.length;
      await giveUp(
        new ParadigmImportError(
          `The checkpoint ${checkpoint} was made for a different input (${String(previous.path)}, ${String(previous.size)} bytes): ${why}, or ${file} is another file. ` +
            `Appending rows is fine; to send edited rows, fix them in the report and import it with --from-report. ` +
            `Otherwise use another --checkpoint${held ? ` (this one still holds ${held} undelivered or failed ${plural(held, "item")})` : ", or delete it"}.`,
        ),
      );
    }
    const ownReport = snap.meta?.report === undefined || same(String(snap.meta.report), reportPath);
    if (reportExists && !ownReport && !overwriteReport) await giveUp(refuseReport(reportPath));
  }
  const resuming = previous !== undefined;
  const report = new Report(reportPath, resuming && !overwriteReport);
  // The meta names the report too: a resumed run with another --report makes that one this import's own.
  const recordedReport = snap.meta?.report === undefined ? undefined : String(snap.meta.report);
  if (!resuming || previous?.sha256 !== hashed.source.sha256 || recordedReport === undefined || !same(recordedReport, reportPath)) {
    await store.append({ op: "meta", meta: { source: hashed.source, format, report: resolvePath(reportPath) } });
  }
  return { store, report, source: hashed.source, held: snap.items };
}
