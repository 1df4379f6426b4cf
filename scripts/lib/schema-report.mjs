// What `npm run generate` says about the spec beyond writing generated/: the keywords the validator
// does not enforce (so a call is not checked for them before sending), the patterns it rewrote or
// cannot use, and request fields that look like a file upload typed as a URL. spec:update prints the
// last in its report too (it needs a local fix, not just a note).

/** Keywords that describe but do not constrain a value: dropped without a note. */
export const ANNOTATIONS = new Set([
  "title",
  "description",
  "example",
  "examples",
  "default",
  "deprecated",
  "externalDocs",
  "xml",
  "$comment",
  "$schema",
  "$id",
  "$anchor",
  "contentMediaType",
  "contentEncoding",
]);

const INT32 = 2 ** 31;
// Formats of the OpenAPI and JSON Schema registries. Not asserted by the validator: DRF parses most of
// them more leniently than their RFCs (a date-time without seconds or offset, a hex UUID without dashes),
// so refusing before sending would refuse values the server accepts. The server checks them.
const KNOWN = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uri-template",
  "uuid",
  "json-pointer",
  "relative-json-pointer",
  "regex",
  "byte",
  "decimal",
]);

/**
 * What the validator does with `format: <f>` on `schema`: { bounds } (enforced as minimum/maximum),
 * { note } (reported as not enforced) or {} (enforced by the type itself, or an annotation).
 */
export function formatRule(f, schema) {
  const type = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (f === "int32" && type.includes("integer"))
    return { bounds: (s) => ({ ...(s.minimum === undefined ? { minimum: -INT32 } : {}), ...(s.maximum === undefined ? { maximum: INT32 - 1 } : {}) }) };
  // int64: a safe integer (what the validator takes) is within it; double/float: any finite JS number;
  // password: a UI hint to mask input.
  if (["int64", "double", "float", "password"].includes(f)) return {};
  if (KNOWN.has(f)) return { note: "not checked before sending (the server checks it, often more leniently than its RFC)" };
  return { note: "an unknown format: not checked before sending" };
}

/** One JSONPath step for a member name: `.name`, or `['odd/name']`. */
export const step = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `['${String(name).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}']`);

/** The operations an OpenAPI path item can hold, in the spec's spelling. */
export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function resolveRef(spec, node) {
  const seen = new Set();
  let where = null;
  while (node && typeof node.$ref === "string" && node.$ref.startsWith("#/") && !seen.has(node.$ref)) {
    seen.add(node.$ref);
    const parts = node.$ref
      .slice(2)
      .split("/")
      .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
    where = `$${parts.map(step).join("")}`;
    node = parts.reduce((n, p) => n?.[p], spec);
  }
  return { node, where };
}

/**
 * Request fields that are probably a file upload typed as a URL: `type: string, format: uri`, not
 * read-only, at the top level of a multipart/form-data request body. drf-spectacular types a FileField
 * so when COMPONENT_SPLIT_REQUEST is off (one component for request and response); then the validator
 * refuses a Blob and the server refuses a string. A URLField looks the same, hence "probably".
 * Returns [{ where, ops }], `where` a JSONPath to the property.
 */
export function fileFieldSuspects(spec) {
  const found = new Map();
  for (const [path, item] of Object.entries(spec?.paths ?? {}))
    for (const method of METHODS) {
      const op = item?.[method];
      const body = resolveRef(spec, op?.requestBody).node;
      const media = body?.content?.["multipart/form-data"];
      if (!media?.schema) continue;
      const opKey = `${method.toUpperCase()} ${path}`;
      const root = resolveRef(spec, media.schema);
      const rootWhere = root.where ?? `$.paths${step(path)}.${method}.requestBody.content['multipart/form-data'].schema`;
      const objects = [{ node: root.node, where: rootWhere }];
      root.node?.allOf?.forEach((s, i) => {
        const r = resolveRef(spec, s);
        objects.push({ node: r.node, where: r.where ?? `${rootWhere}.allOf[${i}]` });
      });
      for (const { node, where } of objects)
        for (const [name, raw] of Object.entries(node?.properties ?? {})) {
          const { node: p } = resolveRef(spec, raw);
          const types = Array.isArray(p?.type) ? p.type : [p?.type];
          if (!p || p.readOnly === true || p.format !== "uri" || !types.includes("string")) continue;
          const at = `${where}.properties${step(name)}`;
          if (!found.has(at)) found.set(at, new Set());
          found.get(at).add(opKey);
        }
    }
  return [...found].map(([where, ops]) => ({ where, ops: [...ops] }));
}

export const FILE_FIELD_OVERLAY = "openapi/overlays/examples/file-field-binary.yaml";

/**
 * The report as lines (no prefix). `report` is { errors, rewrites, notes, suspects }, each entry
 * { keyword, where, ops, detail } (suspects: { where, ops }).
 */
export function reportLines({ errors = [], rewrites = [], notes = [], suspects = [] }) {
  const used = (ops) => (ops?.length ? ` (${ops.join(", ")})` : "");
  return [
    ...errors.map((e) => `ERROR ${e.keyword} at ${e.where}${used(e.ops)}: ${e.detail}`),
    ...suspects.map(
      (s) =>
        `FILE FIELD? ${s.where}${used(s.ops)} is \`type: string, format: uri\` in a multipart/form-data request body. ` +
        "drf-spectacular types a FileField so when COMPONENT_SPLIT_REQUEST is off: the validator would refuse a Blob and the server a string. " +
        `If it is a file, fix it with an overlay: copy ${FILE_FIELD_OVERLAY} into openapi/overlays/ and set its targets. If it is a URL field, ignore this.`,
    ),
    ...rewrites.map((r) => `REWRITE ${r.keyword} at ${r.where}${used(r.ops)}: ${r.detail}`),
    ...notes.map((n) => `NOT ENFORCED ${n.keyword} at ${n.where}${used(n.ops)}: ${n.detail}`),
  ];
}

/** Prints the report to stderr, one line per finding, each prefixed (`generate: …`). */
export function printReport(prefix, report) {
  for (const line of reportLines(report)) console.error(`${prefix}: ${line}`);
}
