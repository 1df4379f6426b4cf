// Validation before sending, driven by generated/operations.ts (emitted from the spec at generate
// time). No limit is written here: a new `maxLength` in the spec is enforced after `npm run generate`.
import { operations, patterns, schemas } from "../generated/operations.ts";
import type { ValidationIssue } from "./errors.ts";

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
  body?: { required: boolean; content: Readonly<Record<string, Schema>> };
}

const OPS = operations as unknown as Record<string, OperationSpec>;
const SCHEMAS = schemas as unknown as Record<string, Schema>;
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
      out.push({ path, message: `must be ${types.join(" or ")}, not null` });
      return;
    }
  } else if (types && !types.some((t) => typeOk(t, v))) {
    const finite = typeof v === "number" && !Number.isFinite(v) ? " (NaN and ±Infinity cannot be sent as JSON)" : "";
    const what = types.map((t) => (t === "integer" ? `an integer${Number.isInteger(v) ? " within ±(2^53 − 1)" : ""}` : t)).join(" or ");
    out.push({ path, message: `must be ${what}${finite}, got ${typeof v === "number" ? String(v) : describe(v)}` });
    return;
  } else if (typeof v === "number" && !Number.isFinite(v)) {
    out.push({ path, message: `must be a finite number, got ${v}` });
    return;
  }
  if (s.enum && !s.enum.includes(v)) out.push({ path, message: `must be one of ${JSON.stringify(s.enum)}` });

  if (typeof v === "string") {
    if (s.maxLength !== undefined || s.minLength !== undefined) {
      const n = codePoints(v);
      if (s.maxLength !== undefined && n > s.maxLength) out.push({ path, message: `must be at most ${s.maxLength} characters, got ${n}` });
      if (s.minLength !== undefined && n < s.minLength) out.push({ path, message: `must be at least ${s.minLength} characters, got ${n}` });
    }
    if (s.pattern !== undefined) {
      const re = PATTERNS[s.pattern];
      if (!re) out.push({ path, message: `cannot be checked against ${s.pattern}: generated/ has no compiled form for it (run npm run generate)` });
      else if (!re.test(v)) out.push({ path, message: `must match ${s.pattern}` });
    }
  } else if (typeof v === "number") {
    if (s.minimum !== undefined && v < s.minimum) out.push({ path, message: `must be ≥ ${s.minimum}` });
    if (s.maximum !== undefined && v > s.maximum) out.push({ path, message: `must be ≤ ${s.maximum}` });
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) out.push({ path, message: `must be > ${s.exclusiveMinimum}` });
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) out.push({ path, message: `must be < ${s.exclusiveMaximum}` });
    if (s.multipleOf !== undefined && !isMultipleOf(v, s.multipleOf)) out.push({ path, message: `must be a multiple of ${s.multipleOf}` });
  } else if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push({ path, message: `must have at least ${s.minItems} items` });
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ path, message: `must have at most ${s.maxItems} items` });
    if (s.uniqueItems && v.length > 1) {
      const seen = new Map<string, number>();
      for (let i = 0; i < v.length; i++) {
        const k = canonical(v[i]);
        if (k === undefined) continue;
        const first = seen.get(k);
        if (first !== undefined) {
          out.push({ path, message: `must have unique items ([${first}] and [${i}] are equal)` });
          break;
        }
        seen.set(k, i);
      }
    }
    if (s.items) for (let i = 0; i < v.length; i++) check(s.items, v[i], `${path}[${i}]`, out);
  } else if (v !== null && typeof v === "object" && (s.properties || s.required || s.additionalProperties !== undefined)) {
    const o = v as Record<string, unknown>;
    const props = s.properties ?? {};
    for (const name of s.required ?? []) {
      // OpenAPI: a required readOnly property is required in responses only.
      if (o[name] === undefined && !props[name]?.readOnly) out.push({ path: key(path, name), message: "is required" });
    }
    for (const name of Object.keys(o)) {
      const value = o[name];
      if (value === undefined) continue; // JSON drops it, as do our form encoders
      // Own properties only: `constructor` or `__proto__` must not find Object.prototype and pass as declared.
      const p = Object.hasOwn(props, name) ? props[name] : undefined;
      if (p) {
        if (p.readOnly) out.push({ path: key(path, name), message: "is read-only: the server sets it, a request must not send it" });
        else check(p, value, key(path, name), out);
      } else if (typeof s.additionalProperties === "object") check(s.additionalProperties, value, key(path, name), out);
      // Stricter than JSON Schema on purpose: an undeclared key is almost always a typo
      // (`{ vaule: 4 }` would log an empty rating). `additionalProperties: true` in the spec allows them.
      else if (s.additionalProperties !== true)
        out.push({
          path: key(path, name),
          message: `is not a property the spec declares (known: ${
            Object.keys(props)
              .filter((k) => !props[k]?.readOnly)
              .join(", ") || "none"
          })`,
        });
    }
  }

  if (s.allOf) for (const sub of s.allOf) check(sub, v, path, out);
  const branches = s.oneOf ?? s.anyOf;
  if (branches && s.discriminator && v !== null && typeof v === "object" && !Array.isArray(v)) {
    // The discriminator picks the one branch to check (OpenAPI), so overlapping branches do not fail oneOf.
    const { propertyName, mapping } = s.discriminator;
    const tag = (v as Record<string, unknown>)[propertyName];
    const named = branches.flatMap((b) => (b.$ref ? [b.$ref] : []));
    const allowed = [...new Set([...Object.keys(mapping), ...named.filter((n) => !Object.values(mapping).includes(n))])];
    const target = typeof tag === "string" ? (Object.hasOwn(mapping, tag) ? mapping[tag] : named.includes(tag) ? tag : undefined) : undefined;
    const branch = target === undefined ? undefined : branches.find((b) => b.$ref === target);
    if (branch) check(branch, v, path, out);
    else
      out.push({
        path: key(path, propertyName),
        message: tag === undefined ? `is required: it selects the schema (one of ${JSON.stringify(allowed)})` : `must be one of ${JSON.stringify(allowed)}`,
      });
  } else if (branches) {
    const passing = branches.filter((b) => {
      const tmp: ValidationIssue[] = [];
      check(b, v, path, tmp);
      return tmp.length === 0;
    }).length;
    if (s.oneOf ? passing !== 1 : passing === 0)
      out.push({ path, message: `must match ${s.oneOf ? "exactly one" : "at least one"} of the allowed schemas (${passing} matched)` });
  }
  if (s.not) {
    const tmp: ValidationIssue[] = [];
    check(s.not, v, path, tmp);
    if (!tmp.length) out.push({ path, message: "must not match the excluded schema" });
  }
}

// multipleOf on the decimals that are sent, not on binary doubles: 0.3 / 0.1 is 2.9999999999999996 in
// floating point, yet 0.3 is a multiple of 0.1. JSON.stringify and the form encoders send a number as
// its shortest round-trip decimal (String(v)), which the server parses as that decimal; so both are
// read from that text as integer × 10^exponent and compared exactly with BigInt.
function decimal(x: number): { digits: bigint; exp: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return { digits: 0n, exp: 0 }; // unreachable for finite numbers
  const frac = m[3] ?? "";
  return { digits: BigInt(`${m[1]}${m[2]}${frac}`), exp: Number(m[4] ?? 0) - frac.length };
}
function isMultipleOf(v: number, m: number): boolean {
  if (Number.isSafeInteger(v) && Number.isSafeInteger(m)) return m !== 0 && v % m === 0;
  const a = decimal(v);
  const b = decimal(m);
  const e = Math.min(a.exp, b.exp);
  const div = b.digits * 10n ** BigInt(b.exp - e);
  return div !== 0n && (a.digits * 10n ** BigInt(a.exp - e)) % div === 0n;
}

// JSON equality for uniqueItems (key order aside, 1 and 1.0 the same); undefined for what is not JSON
// (a Blob, a Date), which is then only equal to itself and not compared.
function canonical(v: unknown): string | undefined {
  if (v === null || typeof v !== "object")
    return typeof v === "bigint" || typeof v === "function" || typeof v === "symbol" ? undefined : JSON.stringify(v ?? null);
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    return items.includes(undefined) ? undefined : `[${items.join(",")}]`;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return undefined;
  const parts: string[] = [];
  for (const k of Object.keys(v).sort()) {
    const c = canonical((v as Record<string, unknown>)[k]);
    if (c === undefined) return undefined;
    parts.push(`${JSON.stringify(k)}:${c}`);
  }
  return `{${parts.join(",")}}`;
}

const resolved = (s: Schema | undefined): Schema | undefined => (s?.$ref ? resolved(SCHEMAS[s.$ref]) : s);
/** The schema of a top-level property of `s` (own properties, or those of its allOf members). */
function propertyOf(s: Schema | undefined, name: string): Schema | undefined {
  const r = resolved(s);
  if (!r) return undefined;
  if (r.properties && Object.hasOwn(r.properties, name)) return resolved(r.properties[name]);
  for (const sub of r.allOf ?? []) {
    const p = propertyOf(sub, name);
    if (p) return p;
  }
  return undefined;
}
function admitsNull(s: Schema | undefined): boolean {
  const r = resolved(s);
  if (!r) return false;
  const t = r.type;
  return !!r.nullable || t === "null" || (Array.isArray(t) && t.includes("null")) || !!r.enum?.includes(null) || !!(r.oneOf ?? r.anyOf)?.some(admitsNull);
}

const FORM_MEDIA = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

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
        if (p.required) out.push({ path: at, message: "is required" });
      } else if (loc === "path" && v === "") out.push({ path: at, message: "must not be empty (it would change the URL)" });
      // URL parsing folds "." and ".." segments (even percent-encoded), so the request would hit another route.
      else if (loc === "path" && (v === "." || v === "..")) out.push({ path: at, message: `must not be "${v}" (URLs fold it into another path)` });
      // encodeURIComponent throws on a lone surrogate; fetch would mangle it in a header.
      else if (typeof v === "string" && /\p{Cs}/u.test(v)) out.push({ path: at, message: "must be well-formed Unicode (it has a lone surrogate)" });
      else check(p.schema, v, at, out);
    }
  }
  if (req.body === undefined) {
    if (op.body?.required) out.push({ path: "$.body", message: "is required" });
  } else if (!op.body) out.push({ path: "$.body", message: "this operation takes no request body" });
  else {
    const media = req.mediaType ?? "application/json";
    const schema = op.body.content[media];
    if (schema) {
      check(schema, media === "multipart/form-data" ? asMultipartSends(req.body) : req.body, "$.body", out);
      // In a form body "" and null are the same bytes (`comment=`), and DRF reads an empty value as null
      // for a nullable field: refused, so "" is never silently stored as null. JSON sends "" as is.
      if (FORM_MEDIA.has(media) && req.body !== null && typeof req.body === "object" && !Array.isArray(req.body))
        for (const [name, v] of Object.entries(req.body))
          if (v === "" && admitsNull(propertyOf(schema, name)))
            out.push({
              path: key("$.body", name),
              message: `"" cannot be sent in a form body (${media}): an empty form value means null to the server; send null, or use application/json`,
            });
    } else out.push({ path: "$.body", message: `media type ${media} is not one the spec declares (${Object.keys(op.body.content).join(", ")})` });
  }
  return out;
}
