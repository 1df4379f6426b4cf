// The validator tables that generate.mjs writes to generated/operations.ts: every operation's parameters and
// request bodies as compact JSON Schema, and the report of what the validator does not check. A module of its
// own so bench/lib/generate-pieces.mjs can time this phase alone.
import { compilePattern } from "./pattern.mjs";
import { ANNOTATIONS, fileFieldSuspects, formatRule, METHODS, step } from "./schema-report.mjs";

// The runtime interpreter is src/spec/validate.ts; it understands exactly the
// keywords kept here. Every other keyword is either an annotation (dropped) or reported: no
// validation keyword is dropped silently (see scripts/lib/schema-report.mjs for the report).
const KEEP = new Set([
  "type",
  "nullable",
  "enum",
  "required",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "readOnly",
  "writeOnly",
]);
const NESTED_ONE = new Set(["items", "not"]);
const NESTED_LIST = new Set(["oneOf", "anyOf", "allOf"]);

/**
 * The compact form of `schema` for the validator. `ctx` collects, with `where` (a JSONPath into the
 * effective spec): patterns (compiled here, so none can fail at call time), errors and report notes.
 */
function compactSchema(schema, spec, ctx, where) {
  if (!schema || typeof schema !== "object") return {};
  if (typeof schema.$ref === "string") {
    const m = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
    if (m) return { $ref: decodeURIComponent(m[1]) };
    return compactSchema(resolve(spec, schema.$ref), spec, ctx, schema.$ref.replace(/^#/, "$").replaceAll("/", "."));
  }
  // A file part (`type: string, format: binary`) is sent as a Blob/File or bytes, which are objects,
  // or as a string. Expressed in the validator's vocabulary so `file: 42` is still refused.
  if (schema.type === "string" && schema.format === "binary") {
    const file = { format: "binary", anyOf: [{ type: "string" }, { type: "object" }] };
    for (const k of ["nullable", "readOnly", "writeOnly"]) if (schema[k] === true) file[k] = true;
    return file;
  }
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (KEEP.has(k)) out[k] = v;
    else if (k === "pattern") {
      const c = ctx.pattern(v, `${where}.pattern`);
      if (c !== null) out.pattern = v;
    } else if (k === "const") out.enum = [v];
    else if (k === "format") {
      const f = formatRule(v, schema);
      if (f.bounds) Object.assign(out, f.bounds(schema));
      else if (f.note && schema.readOnly !== true) ctx.note(`format: ${v}`, where, f.note); // a read-only value is never sent
    } else if (k === "discriminator" && v && typeof v.propertyName === "string") {
      // The whole mapping, so the runtime only looks the value up: explicit entries, then (OpenAPI) each
      // branch's component name for a branch no explicit entry names.
      const name = (ref) => decodeURIComponent(String(ref).replace(/^#\/components\/schemas\//, ""));
      const mapping = {};
      for (const [value, ref] of Object.entries(v.mapping ?? {})) mapping[value] = name(ref);
      for (const b of schema.oneOf ?? schema.anyOf ?? [])
        if (typeof b?.$ref === "string" && !Object.values(mapping).includes(name(b.$ref))) mapping[name(b.$ref)] = name(b.$ref);
      out.discriminator = { propertyName: v.propertyName, mapping };
    } else if (NESTED_ONE.has(k)) out[k] = compactSchema(v, spec, ctx, `${where}.${k}`);
    else if (NESTED_LIST.has(k)) out[k] = v.map((s, i) => compactSchema(s, spec, ctx, `${where}.${k}[${i}]`));
    else if (k === "properties") {
      out.properties = {};
      for (const [name, s] of Object.entries(v)) out.properties[name] = compactSchema(s, spec, ctx, `${where}.properties${step(name)}`);
    } else if (k === "additionalProperties") out[k] = typeof v === "boolean" ? v : compactSchema(v, spec, ctx, `${where}.${k}`);
    else if (!ANNOTATIONS.has(k) && !k.startsWith("x-") && schema.readOnly !== true)
      ctx.note(k, where, "a validation keyword the validator does not implement: not checked before sending");
  }
  // OpenAPI 3.0: `exclusiveMinimum: true` modifies `minimum`; normalize to 3.1's numeric form.
  if (out.exclusiveMinimum === true) {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (out.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (out.exclusiveMaximum === true) {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (out.exclusiveMaximum === false) delete out.exclusiveMaximum;
  return out;
}

function resolve(spec, ref) {
  if (!ref.startsWith("#/")) throw new Error(`external $ref not supported after bundling: ${ref}`);
  let node = spec;
  for (const part of ref.slice(2).split("/")) node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node;
}

/** Top-level fields of a form body schema that admit null (an empty form value is null to DRF). */
function nullableFields(schema, spec) {
  const admitsNull = (s) => {
    const r = deref(spec, s);
    const t = r?.type;
    return (
      !!r &&
      (r.nullable === true || t === "null" || (Array.isArray(t) && t.includes("null")) || !!r.enum?.includes(null) || !!(r.oneOf ?? r.anyOf)?.some(admitsNull))
    );
  };
  const out = [];
  const visit = (s) => {
    const r = deref(spec, s);
    for (const [name, p] of Object.entries(r?.properties ?? {})) if (deref(spec, p)?.readOnly !== true && admitsNull(p) && !out.includes(name)) out.push(name);
    for (const sub of r?.allOf ?? []) visit(sub);
  };
  visit(schema);
  return out;
}

const deref = (spec, node) => (node && typeof node.$ref === "string" ? resolve(spec, node.$ref) : node);
const FORM_MEDIA = ["application/x-www-form-urlencoded", "multipart/form-data"];

function makeContext() {
  const ctx = {
    op: null, // the operation being compacted; null for components.schemas
    patterns: {}, // spec pattern → the same pattern in `u` syntax (what src/spec/validate.ts runs)
    errors: [],
    rewrites: [],
    notes: [],
    pattern(p, where) {
      try {
        const c = compilePattern(p);
        ctx.patterns[p] = c.regex.source; // escaped for a literal (`/` as `\/`)
        if (c.changed)
          ctx.rewrites.push({
            keyword: `pattern \`${p}\``,
            where,
            op: ctx.op,
            detail: `checked as \`${c.source}\` (the same meaning; the original is invalid under the u flag JSON Schema uses)`,
          });
        return c.source;
      } catch (e) {
        ctx.errors.push({ keyword: `pattern \`${p}\``, where, op: ctx.op, detail: e.message });
        return null;
      }
    },
    note(keyword, where, detail) {
      ctx.notes.push({ keyword, where, op: ctx.op, detail });
    },
  };
  return ctx;
}

/** Component names a compact table refers to (directly). */
function refsOf(node, out = new Set()) {
  if (Array.isArray(node)) for (const n of node) refsOf(n, out);
  else if (node && typeof node === "object") {
    if (typeof node.$ref === "string") out.add(node.$ref);
    if (node.discriminator) for (const r of Object.values(node.discriminator.mapping)) out.add(r);
    for (const [k, v] of Object.entries(node)) if (k !== "discriminator") refsOf(v, out);
  }
  return out;
}

export function operationTables(spec) {
  const ctx = makeContext();
  const schemas = {};
  for (const [name, s] of Object.entries(spec.components?.schemas ?? {})) schemas[name] = compactSchema(s, spec, ctx, `$.components.schemas${step(name)}`);
  const operations = {};
  const opsUsing = new Map(); // component name → operations whose tables reach it
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${path}`;
      ctx.op = key;
      const at = `$.paths${step(path)}`;
      // Operation-level parameters override path-level ones with the same name and location.
      const params = new Map();
      const declared = [
        ...(item.parameters ?? []).map((p, i) => [p, `${at}.parameters[${i}]`]),
        ...(op.parameters ?? []).map((p, i) => [p, `${at}.${method}.parameters[${i}]`]),
      ];
      for (const [raw, where] of declared) {
        const p = deref(spec, raw);
        params.set(`${p.in}:${p.name}`, { p, where });
      }
      const entry = { id: op.operationId ?? null };
      for (const loc of ["path", "query", "header", "cookie"]) {
        const list = [...params.values()]
          .filter(({ p }) => p.in === loc)
          .map(({ p, where }) => {
            const s = compactSchema(p.schema ?? {}, spec, ctx, `${where}.schema`);
            return p.required || loc === "path" ? { name: p.name, required: true, schema: s } : { name: p.name, schema: s };
          });
        if (list.length) entry[loc] = list;
      }
      const body = deref(spec, op.requestBody);
      if (body?.content) {
        const content = {};
        const emptyIsNull = {};
        for (const [media, mt] of Object.entries(body.content)) {
          content[media] = compactSchema(mt.schema ?? {}, spec, ctx, `${at}.${method}.requestBody.content${step(media)}.schema`);
          const fields = FORM_MEDIA.includes(media) ? nullableFields(mt.schema, spec) : [];
          if (fields.length) emptyIsNull[media] = fields;
        }
        entry.body = { required: body.required === true, content, ...(Object.keys(emptyIsNull).length ? { emptyIsNull } : {}) };
      }
      operations[key] = entry;
      // Which components this operation reaches, so a report about a component names its operations.
      const todo = [...refsOf(entry)];
      const seen = new Set();
      while (todo.length) {
        const name = todo.pop();
        if (seen.has(name)) continue;
        seen.add(name);
        if (!opsUsing.has(name)) opsUsing.set(name, []);
        opsUsing.get(name).push(key);
        todo.push(...refsOf(schemas[name]));
      }
    }
  }
  const component = (where) => /^\$\.components\.schemas(?:\.([A-Za-z_$][\w$]*)|\['((?:[^'\\]|\\.)*)'\])/.exec(where);
  for (const e of [...ctx.errors, ...ctx.rewrites, ...ctx.notes]) {
    const m = component(e.where);
    e.ops = e.op ? [e.op] : m ? (opsUsing.get(m[1] ?? m[2].replace(/\\(.)/g, "$1")) ?? []) : [];
  }
  const suspects = fileFieldSuspects(spec);
  // Only what a request can reach: the validator never runs on a response-only component, so a keyword
  // there changes nothing (and its pattern is left out of the tables, not compiled at call time).
  const reached = (list) => list.filter((e) => e.ops.length && !suspects.some((x) => e.where === x.where && e.keyword === "format: uri"));
  const report = { errors: reached(ctx.errors), rewrites: reached(ctx.rewrites), notes: reached(ctx.notes), suspects };
  return { schemas, operations, patterns: ctx.patterns, report };
}
