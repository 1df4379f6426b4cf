// Request encoding for the three media types the spec declares. null/undefined are handled on purpose:
// - JSON: `undefined` fields are dropped, `null` is sent as null.
// - form and multipart: `undefined` fields are dropped; `null` is sent as an empty value, which is how
//   Django REST framework (Paradigm's server) and Prism read null from form input. The string "null"
//   (what openapi-fetch's own form serializer sends) would be refused as a number or read as text.
//   Except a nullable boolean left out (or undefined): DRF before 3.15 stores `false` for a BooleanField
//   missing from a form body (BooleanField.default_empty_html), so it is sent empty too, which DRF 3.14 and
//   3.15 both read as null, as JSON's left-out field is. Which fields these are comes from the body schema.

import { ParadigmValidationError } from "../core/errors.ts";
import { deref, type Schema } from "./validate.ts";

export type MediaType = "application/json" | "application/x-www-form-urlencoded" | "multipart/form-data";

/** Fills `{name}` segments; each value is percent-encoded, so `/`, spaces and unicode stay in their segment. */
export function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  // A lone surrogate (refused by validation) becomes U+FFFD rather than a URIError when validation is off.
  return template.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(String(params?.[name]).replace(/\p{Cs}/gu, "\ufffd")));
}

function formValue(v: unknown): string | Blob {
  if (v === null) return "";
  if (typeof Blob !== "undefined" && v instanceof Blob) return v;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Appends each field; arrays repeat the key (OpenAPI's default form style, explode=true). */
function eachField(body: unknown, add: (k: string, v: string | Blob) => void): void {
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) add(k, formValue(item));
    else add(k, formValue(v));
  }
}

// `type: boolean, nullable: true` (OpenAPI 3.0), `type: [boolean, "null"]` or a oneOf/anyOf of the two (3.1).
function nullableBoolean(p: Schema | undefined): boolean {
  const s = deref(p);
  if (!s || p?.readOnly || s.readOnly) return false;
  const types = ([] as unknown[]).concat(s.type);
  if (types.includes("boolean")) return s.nullable === true || types.includes("null") || s.enum?.includes(null) === true;
  const kinds = (s.oneOf ?? s.anyOf ?? []).map((b) => deref(b)?.type as unknown);
  return kinds.includes("boolean") && kinds.includes("null");
}
const emptyWhenLeftOut = new WeakMap<Schema, string[]>();
/** Writable nullable booleans of an object body schema (its properties and allOf members'), computed once per schema. */
function nullableBooleans(schema: Schema): string[] {
  let names = emptyWhenLeftOut.get(schema);
  if (!names) {
    const s = deref(schema);
    const props = [s, ...(s?.allOf ?? []).map(deref)].flatMap((x) => Object.entries(x?.properties ?? {}));
    names = props.filter(([, p]) => nullableBoolean(p)).map(([k]) => k);
    emptyWhenLeftOut.set(schema, names);
  }
  return names;
}

/**
 * Returns the body and Content-Type for a media type. Multipart leaves Content-Type to fetch (it adds the boundary).
 * `schema` is the operation's body schema for `media`; in form and multipart it says which left-out fields are sent empty.
 */
export function encodeBody(body: unknown, media: string, schema?: Schema): { body: BodyInit; contentType: string | undefined } {
  try {
    const form = media === "application/x-www-form-urlencoded";
    if (form || media === "multipart/form-data") {
      // Only an object has fields (a string would be sent one character per field).
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new TypeError(`a ${media} body must be an object of fields`);
      const out = form ? new URLSearchParams() : new FormData();
      const add = (k: string, v: string | Blob) => out.append(k, v as string);
      eachField(body, add);
      if (schema) for (const k of nullableBooleans(schema)) if ((body as Record<string, unknown>)[k] === undefined || !Object.hasOwn(body, k)) add(k, "");
      return form ? { body: out.toString(), contentType: media } : { body: out as FormData, contentType: undefined };
    }
    return { body: JSON.stringify(body), contentType: media };
  } catch (e) {
    // A BigInt or a cycle, reachable with `validate: false`: still a ParadigmError, still nothing sent.
    throw new ParadigmValidationError([{ path: "$.body", message: `cannot be encoded as ${media} (${(e as Error).message})` }]);
  }
}
