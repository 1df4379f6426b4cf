// Checks that every overlay action still finds something to change. Redocly applies an action whose
// target matches nothing as a silent no-op, so a spec update that renames or fixes what an overlay
// patched would quietly drop our local fix. That is an error: generate.mjs and lint-spec.mjs fail on it,
// naming the overlay file, the action and its target.
//
// Targets are JSONPath (RFC 9535), evaluated here with the same meaning `redocly bundle --overlay`
// gives them (checked against Redocly in test/generate-drift.test.ts). A target outside the part
// implemented below is an error too ("cannot check"), rather than guessed. Actions are applied in
// order (remove, and update as a merge), so a target that relies on an earlier action is judged
// against the document that action produced.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

// RFC 9535 JSONPath, the part overlays need: `$`, `.name`, `.*`, `['name']`, `[n]` (negative from the
// end), `[*]`, several selectors `[a, b]`, descendants `..`, and filters `[?…]` with existence tests,
// comparisons (== != < <= > >=) of literals and singular queries, `&&`, `||`, `!` and parentheses.
// Function extensions (length(), match(), …) and slices are refused, not guessed.
export function parsePath(expr) {
  if (typeof expr !== "string" || !expr.startsWith("$")) throw new Error(`not a JSONPath (must start with $): ${JSON.stringify(expr)}`);
  let i = 0;
  const fail = (why = "unsupported JSONPath syntax") => {
    throw new Error(`${why} at \`${expr.slice(i)}\` in \`${expr}\``);
  };
  const ws = () => {
    while (/[ \t\n\r]/.test(expr[i] ?? "")) i++;
  };
  const eat = (s) => {
    if (expr.startsWith(s, i)) {
      i += s.length;
      return true;
    }
    return false;
  };
  const string = () => {
    const q = expr[i];
    let s = "";
    i++;
    while (i < expr.length && expr[i] !== q) {
      if (expr[i] === "\\") {
        const c = expr[i + 1];
        const simple = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", "/": "/", "\\": "\\", "'": "'", '"': '"' };
        if (c in simple) s += simple[c];
        else if (c === "u" && /^[0-9a-fA-F]{4}$/.test(expr.slice(i + 2, i + 6))) {
          s += String.fromCharCode(Number.parseInt(expr.slice(i + 2, i + 6), 16));
          i += 4;
        } else fail("bad escape in a string");
        i += 2;
      } else s += expr[i++];
    }
    if (!eat(q)) fail("unterminated string");
    return s;
  };
  const NAME = /[A-Za-z_\u0080-\uffff][\w\u0080-\uffff-]*/y;
  const name = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(expr);
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  const selector = () => {
    ws();
    const c = expr[i];
    if (c === "'" || c === '"') return { name: string() };
    if (c === "*") {
      i++;
      return { wild: true };
    }
    if (c === "?") {
      i++;
      return { filter: or() };
    }
    const m = /^-?\d+/.exec(expr.slice(i));
    if (m) {
      i += m[0].length;
      ws();
      if (expr[i] === ":") fail("slices are not supported");
      return { index: Number(m[0]) };
    }
    return fail();
  };
  const bracket = () => {
    i++; // [
    const selectors = [selector()];
    ws();
    while (eat(",")) selectors.push(selector());
    ws();
    if (!eat("]")) fail();
    return selectors;
  };
  const segments = () => {
    const out = [];
    for (;;) {
      const before = i;
      ws();
      if (eat("..")) {
        if (eat("*")) out.push({ descendant: true, selectors: [{ wild: true }] });
        else if (expr[i] === "[") out.push({ descendant: true, selectors: bracket() });
        else out.push({ descendant: true, selectors: [{ name: name() ?? fail() }] });
      } else if (eat(".")) {
        if (eat("*")) out.push({ descendant: false, selectors: [{ wild: true }] });
        else out.push({ descendant: false, selectors: [{ name: name() ?? fail() }] });
      } else if (expr[i] === "[") out.push({ descendant: false, selectors: bracket() });
      else {
        i = before;
        return out;
      }
    }
  };
  // Filter expressions.
  const query = () => {
    const root = expr[i] === "$" ? "$" : "@";
    i++;
    return { root, segments: segments() };
  };
  const comparable = () => {
    ws();
    const c = expr[i];
    if (c === "$" || c === "@") return { query: query() };
    if (c === "'" || c === '"') return { lit: string() };
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(expr.slice(i));
    if (!m) fail();
    i += m[0].length;
    return { lit: JSON.parse(m[0]) };
  };
  const basic = () => {
    ws();
    if (eat("!")) return { not: basic() };
    if (eat("(")) {
      const e = or();
      ws();
      if (!eat(")")) fail();
      return e;
    }
    if (/^[a-z_][\w]*\(/.test(expr.slice(i))) fail("function extensions are not supported");
    const left = comparable();
    ws();
    const op = /^(==|!=|<=|>=|<|>)/.exec(expr.slice(i))?.[0];
    if (!op) {
      if (!left.query) fail("a literal alone is not a test");
      return { exists: left.query };
    }
    i += op.length;
    return { op, left, right: comparable() };
  };
  const and = () => {
    const list = [basic()];
    ws();
    while (eat("&&")) list.push(basic());
    return list.length === 1 ? list[0] : { and: list };
  };
  const or = () => {
    const list = [and()];
    ws();
    while (eat("||")) list.push(and());
    return list.length === 1 ? list[0] : { or: list };
  };
  i = 1;
  const out = segments();
  if (i !== expr.length) fail();
  return out;
}

const NOTHING = Symbol("nothing");
function children({ value }) {
  if (value === null || typeof value !== "object") return [];
  const isArray = Array.isArray(value);
  return Object.keys(value).map((k) => ({ parent: value, key: isArray ? Number(k) : k, value: value[k] }));
}
function selfAndDescendants(node) {
  const out = [node];
  for (const c of children(node)) out.push(...selfAndDescendants(c));
  return out;
}
function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}
function run(segments, nodes, root) {
  for (const seg of segments) {
    const next = [];
    for (const n of nodes)
      for (const m of seg.descendant ? selfAndDescendants(n) : [n])
        for (const s of seg.selectors) {
          const { value } = m;
          if (value === null || typeof value !== "object") continue;
          const isArray = Array.isArray(value);
          if (s.wild) next.push(...children(m));
          else if (s.filter) next.push(...children(m).filter((c) => test(s.filter, c.value, root)));
          else if (s.index !== undefined) {
            const i = s.index < 0 && isArray ? value.length + s.index : s.index;
            if (isArray && i >= 0 && i < value.length) next.push({ parent: value, key: i, value: value[i] });
          } else if (!isArray && Object.hasOwn(value, s.name)) next.push({ parent: value, key: s.name, value: value[s.name] });
        }
    nodes = next;
  }
  return nodes;
}
function operand(o, current, root) {
  if ("lit" in o) return o.lit;
  const nodes = run(o.query.segments, [{ parent: null, key: null, value: o.query.root === "$" ? root : current }], root);
  if (nodes.length > 1) throw new Error("a comparison needs a singular query (one node at most)");
  return nodes.length ? nodes[0].value : NOTHING;
}
function test(e, current, root) {
  if (e.or) return e.or.some((x) => test(x, current, root));
  if (e.and) return e.and.every((x) => test(x, current, root));
  if (e.not) return !test(e.not, current, root);
  if (e.exists) return run(e.exists.segments, [{ parent: null, key: null, value: e.exists.root === "$" ? root : current }], root).length > 0;
  const a = operand(e.left, current, root);
  const b = operand(e.right, current, root);
  const eq = () => (a === NOTHING || b === NOTHING ? a === b : deepEqual(a, b));
  const lt = (x, y) => typeof x === typeof y && (typeof x === "number" || typeof x === "string") && x < y;
  switch (e.op) {
    case "==":
      return eq();
    case "!=":
      return !eq();
    case "<":
      return lt(a, b);
    case ">":
      return lt(b, a);
    case "<=":
      return lt(a, b) || eq();
    default:
      return lt(b, a) || eq();
  }
}

/** Every node `expr` selects in `doc`, as { parent, key, value } (parent is null for the root). */
export function query(doc, expr) {
  return run(parsePath(expr), [{ parent: null, key: null, value: doc }], doc);
}

// Overlay 1.0 `update`: objects merge recursively, arrays concatenate, anything else is replaced
// (what Redocly does: verified with `redocly bundle --overlay`).
function merge(target, update) {
  for (const [k, v] of Object.entries(update)) {
    const t = target[k];
    if (Array.isArray(t) && Array.isArray(v)) t.push(...structuredClone(v));
    else if (t && v && typeof t === "object" && typeof v === "object" && !Array.isArray(t) && !Array.isArray(v)) merge(t, v);
    else target[k] = structuredClone(v);
  }
}

function apply(nodes, action) {
  if (action.remove === true) {
    // Highest index first, so removing one array item does not shift the next one.
    for (const n of [...nodes].reverse()) {
      if (Array.isArray(n.parent)) n.parent.splice(n.key, 1);
      else if (n.parent) delete n.parent[n.key];
    }
  } else if (action.update !== undefined) {
    for (const n of nodes) {
      if (Array.isArray(n.value)) n.value.push(structuredClone(action.update));
      else if (n.value && typeof n.value === "object" && typeof action.update === "object") merge(n.value, action.update);
    }
  }
}

/**
 * Checks each overlay's targets against `spec` (a parsed document; it is not modified).
 * `overlays` is a list of { file, text }. Returns problem lines; empty when every target matches.
 */
export function checkOverlayTargets(spec, overlays) {
  const doc = structuredClone(spec);
  const problems = [];
  for (const { file, text } of overlays) {
    let overlay;
    try {
      overlay = parse(text);
    } catch (e) {
      problems.push(`${file}: not valid YAML (${e.message.split("\n")[0]})`);
      continue;
    }
    (overlay?.actions ?? []).forEach((action, i) => {
      const at = `${file} action ${i + 1}`;
      let nodes;
      try {
        nodes = query(doc, action?.target);
      } catch (e) {
        problems.push(`${at}: cannot check target: ${e.message}`);
        return;
      }
      if (nodes.length === 0)
        problems.push(
          `${at}: target \`${action.target}\` matches nothing in the spec, so this local fix would not be applied. ` +
            "Check whether the vendor fixed it (then delete the action) or moved it (then update the target).",
        );
      else apply(nodes, action);
    });
  }
  return problems;
}

/** Reads the vendored spec and overlay files under `root` and checks them (see checkOverlayTargets). */
export function overlayProblems(root, vendored, overlayFiles) {
  // Nothing to check: skip the parse and the deep copy (seconds on a 13 MB spec).
  if (!overlayFiles.length) return [];
  const spec = parse(readFileSync(join(root, vendored), "utf8"));
  return checkOverlayTargets(
    spec,
    overlayFiles.map((file) => ({ file, text: readFileSync(join(root, file), "utf8") })),
  );
}

/** Prints each problem to stderr as an ERROR naming the overlay; returns true when there were any. */
export function printOverlayProblems(problems, prefix) {
  for (const p of problems) console.error(`${prefix}: ERROR overlay ${p}`);
  if (problems.length)
    console.error(`${prefix}: FAILED: ${problems.length} overlay action(s) would not apply. An overlay that matches nothing is a local fix silently lost.`);
  return problems.length > 0;
}
