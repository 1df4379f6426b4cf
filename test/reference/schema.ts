// drf-spectacular's schema for the reference server, and a structural diff (key order aside).
import { execFile } from "node:child_process";
import { isDeepStrictEqual, promisify } from "node:util";
import { parse } from "yaml";
import { PYTHON, SERVER_DIR } from "../reference-server/start.ts";

const cache = new Map<string, Promise<unknown>>();

/** Runs `manage.py spectacular --validate --fail-on-warn` (the published document's generator) and parses it; once per mode. */
export function spectacularSchema(mode: "current" | "next"): Promise<unknown> {
  const cached = cache.get(mode);
  if (cached) return cached;
  const schema = generate(mode);
  cache.set(mode, schema);
  return schema;
}

async function generate(mode: "current" | "next"): Promise<unknown> {
  const { stdout } = await promisify(execFile)(PYTHON, ["manage.py", "spectacular", "--validate", "--fail-on-warn"], {
    cwd: SERVER_DIR,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PARADIGM_REF_NEXT: mode === "next" ? "1" : "0" },
  });
  return parse(stdout);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every place two parsed documents differ, as JSON-path-like strings; [] when equal. Key order is ignored, array order is not. */
export function structuralDiff(a: unknown, b: unknown, at = "$"): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const path = `${at}[${JSON.stringify(k)}]`;
      if (!(k in a)) return [`${path}: only in the second`];
      if (!(k in b)) return [`${path}: only in the first`];
      return structuralDiff(a[k], b[k], path);
    });
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((x, i) => structuralDiff(x, b[i], `${at}[${i}]`));
  return isDeepStrictEqual(a, b) ? [] : [`${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}
