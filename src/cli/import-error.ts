import { ParadigmError } from "../core/errors.ts";

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

/** "1 row", "2 rows": the word for a count in a message. */
export const plural = (n: number, word: string) => `${word}${n === 1 ? "" : "s"}`;
