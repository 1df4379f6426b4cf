// Checks that every overlay action still finds something to change. Redocly applies an action whose
// target matches nothing as a silent no-op, so a spec update that renames or fixes what an overlay
// patched would quietly drop our local fix. generate.mjs and lint-spec.mjs print these warnings.
//
// Targets are JSONPath (RFC 9535); we evaluate the subset our overlays use: `$`, `.name`, `['name']`
// or `["name"]`, `[n]` (negative counts from the end), `.*` and `[*]`. Anything else is reported as
// "cannot check" rather than guessed. Actions are applied in order (remove, and update as a merge),
// so a target that relies on an earlier action is judged against the document that action produced.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const STEP = /\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(-?\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;

/** Parses a JSONPath of the supported subset into steps; throws on anything else. */
export function parsePath(expr) {
  if (typeof expr !== "string" || !expr.startsWith("$")) throw new Error(`not a JSONPath (must start with $): ${JSON.stringify(expr)}`);
  const steps = [];
  for (let i = 1; i < expr.length; i = STEP.lastIndex) {
    STEP.lastIndex = i;
    const m = STEP.exec(expr);
    if (!m) throw new Error(`unsupported JSONPath syntax at \`${expr.slice(i)}\` in \`${expr}\``);
    if (m[1] !== undefined) steps.push({ name: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined || m[4] !== undefined) steps.push({ name: (m[3] ?? m[4]).replace(/\\(.)/g, "$1") });
    else steps.push({ wild: true });
  }
  return steps;
}

/** Every node `expr` selects in `doc`, as { parent, key, value } (parent is null for the root). */
export function query(doc, expr) {
  let nodes = [{ parent: null, key: null, value: doc }];
  for (const s of parsePath(expr)) {
    const next = [];
    for (const { value } of nodes) {
      if (value === null || typeof value !== "object") continue;
      const isArray = Array.isArray(value);
      if (s.wild) for (const k of Object.keys(value)) next.push({ parent: value, key: isArray ? Number(k) : k, value: value[k] });
      else if (s.index !== undefined) {
        const i = s.index < 0 && isArray ? value.length + s.index : s.index;
        if (isArray && i >= 0 && i < value.length) next.push({ parent: value, key: i, value: value[i] });
      } else if (!isArray && Object.hasOwn(value, s.name)) next.push({ parent: value, key: s.name, value: value[s.name] });
    }
    nodes = next;
  }
  return nodes;
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
 * `overlays` is a list of { file, text }. Returns warning lines; empty when every target matches.
 */
export function checkOverlayTargets(spec, overlays) {
  const doc = structuredClone(spec);
  const warnings = [];
  for (const { file, text } of overlays) {
    let overlay;
    try {
      overlay = parse(text);
    } catch (e) {
      warnings.push(`${file}: not valid YAML (${e.message.split("\n")[0]})`);
      continue;
    }
    (overlay?.actions ?? []).forEach((action, i) => {
      const at = `${file} action ${i + 1}`;
      let nodes;
      try {
        nodes = query(doc, action?.target);
      } catch (e) {
        warnings.push(`${at}: cannot check target: ${e.message}`);
        return;
      }
      if (nodes.length === 0)
        warnings.push(
          `${at}: target \`${action.target}\` matches nothing in the spec, so this local fix is no longer applied. ` +
            "Check whether the vendor fixed it (then delete the action) or moved it (then update the target).",
        );
      else apply(nodes, action);
    });
  }
  return warnings;
}

/** Reads the vendored spec and overlay files under `root` and checks them (see checkOverlayTargets). */
export function overlayWarnings(root, vendored, overlayFiles) {
  const spec = parse(readFileSync(join(root, vendored), "utf8"));
  return checkOverlayTargets(
    spec,
    overlayFiles.map((file) => ({ file, text: readFileSync(join(root, file), "utf8") })),
  );
}

/** Prints each warning to stderr with a WARN prefix, so it shows in both generate and lint:spec output. */
export function printOverlayWarnings(warnings, prefix) {
  for (const w of warnings) console.error(`${prefix}: WARN overlay ${w}`);
}
