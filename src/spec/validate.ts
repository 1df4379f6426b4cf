// Validation before sending, driven by generated/operations.ts (emitted from the spec at generate
// time). No limit is written here: a new `maxLength` in the spec is enforced after `npm run generate`.
import { operations, patterns, schemas } from "../../generated/operations.ts";
import type { ValidationIssue } from "../core/errors.ts";

/** The subset of JSON Schema that scripts/generate.mjs keeps. */
export interface Schema {
  $ref?: string;
  /** One type, or (OpenAPI 3.1) several: `["string", "null"]`. */
  type?: string | readonly string[];
  nullable?: boolean;
  enum?: readonly unknown[];
  required?: readonly string[];
  properties?: Readonly<Record<string, Schema>>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: readonly Schema[];
  anyOf?: readonly Schema[];
  allOf?: readonly Schema[];
  not?: Schema;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  /** `mapping`: discriminator value → component name (generate resolves the $refs). */
  discriminator?: { propertyName: string; mapping: Readonly<Record<string, string>> };
  minProperties?: number;
  maxProperties?: number;
  readOnly?: boolean;
  writeOnly?: boolean;
}
interface Param {
  name: string;
  required?: boolean;
  schema: Schema;
}
export interface OperationSpec {
  id: string | null;
  path?: readonly Param[];
  query?: readonly Param[];
  header?: readonly Param[];
  cookie?: readonly Param[];
  body?: { required: boolean; content: Readonly<Record<string, Schema>>; emptyIsNull?: Readonly<Record<string, readonly string[]>> };
}

const OPS = operations as unknown as Record<string, OperationSpec>;
const SCHEMAS = schemas as unknown as Record<string, Schema>;

/** The schema a `$ref` chain ends at (the generated tables key components by their ref); the schema itself otherwise. */
export const deref = (s: Schema | undefined): Schema | undefined => {
  for (let i = 0; s?.$ref && i < 16; i++) s = SCHEMAS[s.$ref];
  return s;
};
// Compiled by `npm run generate` (a spec pattern is rewritten for the u flag, or generate fails), so no
// pattern is compiled per call and none can throw a SyntaxError at a caller.
const PATTERNS = patterns as Readonly<Record<string, RegExp>>;

/** The operation's table, keyed "METHOD /path/{template}". */
export const operationSpec = (method: string, path: string): OperationSpec | undefined => OPS[`${method.toUpperCase()} ${path}`];

// JSON Schema counts string length in code points: an emoji (a surrogate pair) counts once.
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// One problem, appended: a function rather than 29 inline `out.push({ path, message })` literals (bundle size).
const add = (out: ValidationIssue[], path: string, message: string): void => {
  out.push({ path, message });
};
const key = (path: string, k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "integer":
      // Beyond 2^53 a JS number is no longer the integer the caller wrote, and from 1e21 String() gives "1e+21".
      return Number.isSafeInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
    case "boolean":
      return typeof v === type;
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
    case "null":
      return v === null;
  }
  return true;
}

/** Checks `v` against `s` as a request value (readOnly properties refused), appending problems to `out`. */
export function check(s: Schema, v: unknown, path: string, out: ValidationIssue[]): void {
  if (s.$ref) {
    const target = SCHEMAS[s.$ref];
    if (target) check(target, v, path, out);
    return;
  }
  const types = s.type === undefined ? undefined : typeof s.type === "string" ? [s.type] : s.type;
  if (v === null) {
    if (s.nullable || types?.includes("null") || s.enum?.includes(null)) return;
    if (types) {
      add(out, path, `must be ${types.join(" or ")}, not null`);
      return;
    }
  } else if (types && !types.some((t) => typeOk(t, v))) {
    const finite = typeof v === "number" && !Number.isFinite(v) ? " (NaN and ±Infinity cannot be sent as JSON)" : "";
    const what = types.map((t) => (t === "integer" ? `an integer${Number.isInteger(v) ? " within ±(2^53 − 1)" : ""}` : t)).join(" or ");
    add(out, path, `must be ${what}${finite}, got ${typeof v === "number" ? String(v) : describe(v)}`);
    return;
  } else if (typeof v === "number" && !Number.isFinite(v)) {
    add(out, path, `must be a finite number, got ${v}`);
    return;
  }
  if (s.enum && !s.enum.includes(v)) add(out, path, `must be one of ${JSON.stringify(s.enum)}`);

  if (typeof v === "string") {
    if (s.maxLength !== undefined || s.minLength !== undefined) {
      const n = codePoints(v);
      if (s.maxLength !== undefined && n > s.maxLength) add(out, path, `must be at most ${s.maxLength} characters, got ${n}`);
      if (s.minLength !== undefined && n < s.minLength) add(out, path, `must be at least ${s.minLength} characters, got ${n}`);
    }
    // A pattern missing from the table (a hand-edited generated/, which check:generated catches) refuses.
    if (s.pattern !== undefined && !PATTERNS[s.pattern]?.test(v)) add(out, path, `must match ${s.pattern}`);
  } else if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) add(out, path, `must be ≥ ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) add(out, path, `must be ≤ ${s.maximum}`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) add(out, path, `must be > ${s.exclusiveMinimum}`);
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) add(out, path, `must be < ${s.exclusiveMaximum}`);
    if (s.multipleOf !== undefined && !isMultipleOf(v, s.multipleOf)) add(out, path, `must be a multiple of ${s.multipleOf}`);
  } else if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) add(out, path, `must have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) add(out, path, `must have at most ${s.maxItems} items`);
    if (s.uniqueItems) {
      const keys = v.map(canonical);
      const i = keys.findIndex((k, j) => keys.indexOf(k) < j);
      if (i > 0) add(out, path, `must have unique items ([${keys.indexOf(keys[i])}] and [${i}] are equal)`);
    }
    if (s.items) for (let i = 0; i < v.length; i++) check(s.items, v[i], `${path}[${i}]`, out);
  } else if (v !== null && typeof v === "object" && (s.properties || s.required || s.additionalProperties !== undefined)) {
    const o = v as Record<string, unknown>;
    const props = s.properties ?? {};
    for (const name of s.required ?? []) {
      // OpenAPI: a required readOnly property is required in responses only.
      if (o[name] === undefined && !props[name]?.readOnly) add(out, key(path, name), "is required");
    }
    for (const name of Object.keys(o)) {
      const value = o[name];
      if (value === undefined) continue; // JSON drops it, as do our form encoders
      // Own properties only: `constructor` or `__proto__` must not find Object.prototype and pass as declared.
      const p = Object.hasOwn(props, name) ? props[name] : undefined;
      if (p) {
        if (p.readOnly) add(out, key(path, name), "is read-only: the server sets it, a request must not send it");
        else check(p, value, key(path, name), out);
      } else if (typeof s.additionalProperties === "object") check(s.additionalProperties, value, key(path, name), out);
      // Stricter than JSON Schema on purpose: an undeclared key is almost always a typo
      // (`{ vaule: 4 }` would log an empty rating). `additionalProperties: true` in the spec allows them.
      else if (s.additionalProperties !== true)
        add(
          out,
          key(path, name),
          `is not a property the spec declares (known: ${
            Object.keys(props)
              .filter((k) => !props[k]?.readOnly)
              .join(", ") || "none"
          })`,
        );
    }
  }

  if (s.allOf) for (const sub of s.allOf) check(sub, v, path, out);
  const branches = s.oneOf ?? s.anyOf;
  if (branches && s.discriminator && v !== null && typeof v === "object" && !Array.isArray(v)) {
    // The discriminator picks the one branch to check (OpenAPI), so overlapping branches do not fail oneOf.
    // generate writes the whole mapping (explicit and implicit): value → component.
    const { propertyName, mapping } = s.discriminator;
    const tag = (v as Record<string, unknown>)[propertyName];
    const target = typeof tag === "string" && Object.hasOwn(mapping, tag) ? mapping[tag] : undefined;
    if (target) check({ $ref: target }, v, path, out);
    else add(out, key(path, propertyName), `must be one of ${JSON.stringify(Object.keys(mapping))}`);
  } else if (branches) {
    const passing = branches.filter((b) => {
      const tmp: ValidationIssue[] = [];
      check(b, v, path, tmp);
      return tmp.length === 0;
    }).length;
    if (s.oneOf ? passing !== 1 : passing === 0)
      add(out, path, `must match ${s.oneOf ? "exactly one" : "at least one"} of the allowed schemas (${passing} matched)`);
  }
  if (s.not) {
    const tmp: ValidationIssue[] = [];
    check(s.not, v, path, tmp);
    if (!tmp.length) add(out, path, "must not match the excluded schema");
  }
}

// multipleOf on the decimals that are sent, not on binary doubles: 0.3 / 0.1 is 2.9999999999999996 in
// floating point, yet 0.3 is a multiple of 0.1. JSON.stringify and the form encoders send a number as
// its shortest round-trip decimal (String(v)), which the server parses as that decimal; so both are
// read from that text as integer × 10^exponent and compared exactly with BigInt.
function isMultipleOf(v: number, m: number): boolean {
  if (Number.isSafeInteger(v) && Number.isSafeInteger(m)) return v % m === 0;
  // String(x) of a finite number always matches: [sign]digits[.digits][e±n].
  const dec = (x: number) => {
    const [, sign, int, frac = "", exp = 0] = /^(-?)(\d+)\.?(\d*)(?:e([+-]\d+))?$/.exec(String(x)) ?? [];
    return [BigInt(`${sign}${int}${frac}`), +exp - frac.length] as const;
  };
  const [a, ea] = dec(v);
  const [b, eb] = dec(m);
  const e = Math.min(ea, eb);
  const div = b * 10n ** BigInt(eb - e);
  return div !== 0n && (a * 10n ** BigInt(ea - e)) % div === 0n;
}

// JSON equality for uniqueItems: key order aside, and 1 and 1.0 are one number. A non-plain object (a
// Blob, a Date) is not JSON and is only compared by identity: two different files are never "equal".
function canonical(x: unknown): unknown {
  if (x !== null && typeof x === "object" && !Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype) return x;
  try {
    return JSON.stringify(x, (_, y) =>
      y && typeof y === "object" && !Array.isArray(y) ? Object.fromEntries(Object.entries(y).sort(([a], [b]) => (a < b ? -1 : 1))) : y,
    );
  } catch {
    return x; // a BigInt or a cycle: refused by the type checks, compared by identity here
  }
}

/** Everything a call is about to send, before encoding. */
export interface Outgoing {
  path?: Record<string, unknown> | undefined;
  query?: Record<string, unknown> | undefined;
  header?: Record<string, unknown> | undefined;
  body?: unknown;
  mediaType?: string | undefined;
}

// multipart/form-data turns every lone \n or \r in a text field into \r\n on the wire (fetch's FormData
// serializer, as in HTML forms), so lengths are checked on the text the server will actually receive.
function asMultipartSends(body: unknown): unknown {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = typeof v === "string" ? v.replace(/\r\n|\r|\n/g, "\r\n") : v;
  return out;
}

/** Validates a call against its operation; returns every problem (empty when valid). */
export function validateOperation(op: OperationSpec, req: Outgoing): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const loc of ["path", "query", "header"] as const) {
    const given = req[loc] ?? {};
    for (const p of op[loc] ?? []) {
      const v = given[p.name];
      const at = `$.${loc}.${p.name}`;
      if (v === undefined || v === null) {
        if (p.required) add(out, at, "is required");
      } else if (loc === "path" && v === "") add(out, at, "must not be empty (it would change the URL)");
      // URL parsing folds "." and ".." segments (even percent-encoded), so the request would hit another route.
      else if (loc === "path" && (v === "." || v === "..")) add(out, at, `must not be "${v}" (URLs fold it into another path)`);
      // encodeURIComponent throws on a lone surrogate; fetch would mangle it in a header.
      else if (typeof v === "string" && /\p{Cs}/u.test(v)) add(out, at, "must be well-formed Unicode (it has a lone surrogate)");
      else check(p.schema, v, at, out);
    }
  }
  if (req.body === undefined) {
    if (op.body?.required) add(out, "$.body", "is required");
  } else if (!op.body) add(out, "$.body", "this operation takes no request body");
  else {
    const media = req.mediaType ?? "application/json";
    const schema = op.body.content[media];
    if (schema) {
      check(schema, media === "multipart/form-data" ? asMultipartSends(req.body) : req.body, "$.body", out);
      // In a form body "" and null are the same bytes (`comment=`), and DRF reads an empty value as null
      // for a nullable field: refused, so "" is never silently stored as null. JSON sends "" as is.
      // generate lists, per form media type, the top-level fields that admit null.
      const body = req.body as Record<string, unknown> | null;
      for (const name of op.body.emptyIsNull?.[media] ?? [])
        if (body?.[name] === "")
          add(
            out,
            key("$.body", name),
            `"" cannot be sent in a form body (${media}): an empty form value means null to the server; send null, or use application/json`,
          );
    } else add(out, "$.body", `media type ${media} is not one the spec declares (${Object.keys(op.body.content).join(", ")})`);
  }
  return out;
}
