// The paths of an import (input, checkpoint, report): refused before anything is created or truncated.
import { accessSync, constants, existsSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { ParadigmImportError } from "./import-error.ts";

export const same = (a: string, b: string) => {
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

export interface ImportPaths {
  checkpoint: string;
  report: string;
  /** The checkpoint holds a previous run (it exists and is not empty). */
  checkpointWasThere: boolean;
  /** The report exists and is not empty. */
  reportExists: boolean;
}

/** The refusal for a report that exists and is not this import's own. */
export const refuseReport = (report: string) =>
  new ParadigmImportError(
    `The report ${report} already exists and is not this import's: it would be overwritten. Pass another --report, or --overwrite-report to replace it.`,
  );

/**
 * The checkpoint and report paths (defaults beside the input), refused unless usable and distinct, and a report
 * that exists without a checkpoint is refused unless `overwriteReport`. Creates nothing.
 */
export function importPaths(o: {
  file: string;
  checkpoint?: string | undefined;
  report?: string | undefined;
  overwriteReport?: boolean | undefined;
}): ImportPaths {
  const checkpoint = o.checkpoint ?? `${o.file}.checkpoint.jsonl`;
  const report = o.report ?? `${o.file}.report.jsonl`;
  if (same(report, o.file)) throw new ParadigmImportError(`The report ${report} is the input file; it would be overwritten. Pass another --report.`);
  if (same(checkpoint, o.file)) throw new ParadigmImportError(`The checkpoint ${checkpoint} is the input file. Pass another --checkpoint.`);
  if (same(report, checkpoint)) throw new ParadigmImportError(`The report and the checkpoint are the same file (${report}). Pass another --report.`);
  checkWritable("checkpoint", checkpoint);
  checkWritable("report", report);
  const checkpointWasThere = existsSync(checkpoint) && statSync(checkpoint).size > 0;
  const reportExists = existsSync(report) && statSync(report).size > 0;
  if (reportExists && !checkpointWasThere && !o.overwriteReport) throw refuseReport(report);
  return { checkpoint, report, checkpointWasThere, reportExists };
}
