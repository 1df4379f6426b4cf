// Request encoding for the three media types the spec declares. null/undefined are handled on purpose:
// - JSON: `undefined` fields are dropped, `null` is sent as null.
// - form and multipart: `undefined` fields are dropped; `null` is sent as an empty value, which is how
//   Django REST framework (Paradigm's server) and Prism read null from form input. The string "null"
//   (what openapi-fetch's own form serializer sends) would be refused as a number or read as text.

import { ParadigmValidationError } from "./errors.ts";

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

/** Returns the body and Content-Type for a media type. Multipart leaves Content-Type to fetch (it adds the boundary). */
export function encodeBody(body: unknown, media: string): { body: BodyInit; contentType: string | undefined } {
  try {
    if (media === "application/x-www-form-urlencoded") {
      const form = new URLSearchParams();
      eachField(body, (k, v) => form.append(k, v as string));
      return { body: form.toString(), contentType: media };
    }
    if (media === "multipart/form-data") {
      const form = new FormData();
      eachField(body, (k, v) => form.append(k, v));
      return { body: form, contentType: undefined };
    }
    return { body: JSON.stringify(body), contentType: media };
  } catch (e) {
    // A BigInt or a cycle, reachable with `validate: false`: still a ParadigmError, still nothing sent.
    throw new ParadigmValidationError([{ path: "$.body", message: `cannot be encoded as ${media} (${(e as Error).message})` }]);
  }
}
