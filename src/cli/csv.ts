// A streaming RFC 4180 CSV parser: quoted fields may hold commas, doubled quotes and line breaks; CRLF, LF and
// lone CR all end a record; a leading BOM is dropped. The delimiter is "," unless told (spreadsheets in many
// locales write ";"). Each field says whether it was quoted, so an unquoted
// empty cell (null) differs from "" (the empty string). Problems are reported per record, never thrown:
// one bad row in a 10,000-row file is a rejected row, not a failed import.

export interface CsvField {
  value: string;
  quoted: boolean;
}

export interface CsvRecord {
  fields: CsvField[];
  /** Line (1-based) where the record starts; a quoted line break makes a record span lines. */
  line: number;
  /** Set when the record breaks the format (text after a closing quote, a stray quote, an unclosed quote). */
  error?: string;
}

const S = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** Saw `"` inside a quoted field: either an escaped quote (`""`) or the closing one. */
  QuoteInQuoted: 3,
  AfterClosingQuote: 4,
} as const;
type State = (typeof S)[keyof typeof S];

export class CsvParser {
  readonly #delimiter: string;
  #state: State = S.FieldStart;
  #value = "";
  #quoted = false;
  #fields: CsvField[] = [];
  #line = 1;
  #recordLine = 1;
  #error: string | undefined;
  #skipLf = false;
  #started = false;
  #out: CsvRecord[] = [];

  /** `delimiter`: one character, not a quote or a line break. @default "," */
  constructor(options: { delimiter?: string | undefined } = {}) {
    const d = options.delimiter ?? ",";
    if (d.length !== 1 || d === '"' || d === "\n" || d === "\r")
      throw new RangeError(`A CSV delimiter is one character other than a quote or a line break, got ${JSON.stringify(d)}`);
    this.#delimiter = d;
  }

  /** Feeds a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    let i = 0;
    if (!this.#started && chunk.length) {
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (this.#skipLf) {
        this.#skipLf = false;
        if (ch === "\n") continue;
      }
      switch (this.#state) {
        case S.Quoted: {
          // Copy the run up to the next quote in one slice: quoted fields are often long.
          const q = chunk.indexOf('"', i);
          const end = q === -1 ? chunk.length : q;
          const run = chunk.slice(i, end);
          this.#value += run;
          for (let k = run.indexOf("\n"); k !== -1; k = run.indexOf("\n", k + 1)) this.#line++;
          i = end;
          if (q !== -1) this.#state = S.QuoteInQuoted;
          break;
        }
        case S.QuoteInQuoted:
          if (ch === '"') {
            this.#value += '"';
            this.#state = S.Quoted;
            break;
          }
          this.#state = S.AfterClosingQuote;
          this.#plain(ch);
          break;
        default:
          this.#plain(ch);
      }
    }
    return this.#out.splice(0);
  }

  // A character outside a quoted field.
  #plain(ch: string): void {
    if (ch === this.#delimiter) {
      this.#endField();
      return;
    }
    if (ch === "\n" || ch === "\r") {
      this.#endRecord();
      this.#line++;
      if (ch === "\r") this.#skipLf = true;
      return;
    }
    if (this.#state === S.FieldStart) {
      if (ch === '"') {
        this.#state = S.Quoted;
        this.#quoted = true;
        return;
      }
      this.#state = S.Unquoted;
    } else if (this.#state === S.AfterClosingQuote) {
      this.#error ??= `unexpected ${JSON.stringify(ch)} after a closing quote in field ${this.#fields.length + 1} (a quote inside a quoted field is written "")`;
    } else if (ch === '"') {
      this.#error ??= `a quote inside unquoted field ${this.#fields.length + 1} (quote the whole field and double the quote: "a ""b""")`;
    }
    this.#value += ch;
  }

  #endField(): void {
    this.#fields.push({ value: this.#value, quoted: this.#quoted });
    this.#value = "";
    this.#quoted = false;
    this.#state = S.FieldStart;
  }

  #endRecord(): void {
    this.#endField();
    const blank = this.#fields.length === 1 && !this.#fields[0]?.quoted && this.#fields[0]?.value === "";
    if (!blank)
      this.#out.push(this.#error ? { fields: this.#fields, line: this.#recordLine, error: this.#error } : { fields: this.#fields, line: this.#recordLine });
    this.#fields = [];
    this.#error = undefined;
    this.#recordLine = this.#line + 1;
  }

  /** Ends the input; returns the last record, if the input did not end with a line break. */
  end(): CsvRecord[] {
    if (this.#state === S.Quoted) this.#error ??= `a quoted field opened on line ${this.#recordLine} is never closed`;
    if (this.#state !== S.FieldStart || this.#fields.length || this.#value) {
      this.#endRecord();
    }
    return this.#out.splice(0);
  }
}

/** Parses a whole CSV text. */
export function parseCsv(text: string, options: { delimiter?: string | undefined } = {}): CsvRecord[] {
  const p = new CsvParser(options);
  return [...p.push(text), ...p.end()];
}

/** Quotes a field when it must be (comma, quote, line break, or leading/trailing space); for writing CSV. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
