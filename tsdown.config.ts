// `npm run build`: dist/<entry>.{mjs,cjs,d.mts,d.cts} for every public entry point.
// To add an entry (e.g. queue, cli): add it to ENTRIES, then point package.json at it: an "exports" block (plus
// typesVersions for a subpath), or "bin" for a command. `npm run build` (scripts/build.mjs) fails when they disagree.
import { isAbsolute } from "node:path";
import { defineConfig } from "tsdown";

/** Public entry points: dist file name → source. */
export const ENTRIES = {
  index: "src/client/index.ts",
  // paradigm-client/api: createApi(client), openapi-fetch's typed client for every operation. Its own entry, so a
  // bundle that calls only rate() holds no openapi-fetch.
  api: "src/api/index.ts",
  // Node-only; loads Prism (an optional peer dependency) lazily. The main entry never imports it.
  mock: "src/mock/index.ts",
  // The `paradigm-client` command (package.json "bin"); Node-only.
  cli: "src/cli/index.ts",
  // The delivery queue and its file outbox (node:fs); Node-only. The main entry never imports it.
  queue: "src/queue/index.ts",
  // paradigm-client/handler: signed feedback tokens and the route that checks them. Web Crypto + Fetch only, no node:.
  handler: "src/handler/index.ts",
  // paradigm-client/browser: sendFeedback() for pages; types only from the client, no runtime import (< 1 kB gzip).
  browser: "src/browser/index.ts",
  // paradigm-client/postgres: the outbox queue on PostgreSQL (node:crypto, node:os); `pg` is an optional peer it never imports.
  postgres: "src/postgres/index.ts",
} as const;

// rolldown marks default imports of externals in a "type": "module" package with node-mode interop
// (`__toESM(require("x"), 1)`), even in CJS output, where no Node ESM loader is involved: the default import of
// openapi-fetch then becomes its whole exports object and createClient "is not a function" under require().
// Plain interop honours the dependency's own `__esModule` flag, as the ESM build does. rolldown/tsdown#1054.
const cjsInterop = {
  name: "paradigm:cjs-interop",
  renderChunk(code: string, _chunk: unknown, options: { format: string }) {
    return options.format === "cjs" ? code.replace(/__toESM\(([\w$.]+), 1\)/g, "__toESM($1)") : null;
  },
};

export default defineConfig({
  // "./"-relative inputs: rolldown-plugin-dts names each .d.ts after its entry only when the input resolves to the
  // module's absolute id, and a bare "src/…" does not. Without it, the three src/**/index.ts entries got their .d.ts
  // as index.d.mts, index2.d.mts, index3.d.mts: the main entry's types replaced by another entry's.
  entry: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, `./${file}`])),
  format: ["esm", "cjs"],
  // Nothing runtime-specific in the main entry: the same ESM file runs in Node, Deno, Bun and browsers.
  platform: "neutral",
  target: "es2022",
  dts: true,
  // .mjs/.cjs and .d.mts/.d.cts whatever package.json "type" says, so each format gets its own types.
  fixedExtension: true,
  // CJS output has no import.meta.url; the shim derives it from __filename (src/mock/index.ts's defaultSpecPath needs it).
  shims: true,
  // Nothing from node_modules is bundled: openapi-fetch stays a dependency (users' bundlers dedupe it) and
  // Prism stays an optional peer, loaded only by the mock entry.
  // Bare specifiers (packages, node: builtins) are left as imports, unresolved, so future entries need no list here.
  deps: { neverBundle: (id: string) => !id.startsWith(".") && !isAbsolute(id) },
  plugins: [cjsInterop],
  // rolldown's interop helpers get a chunk of their own: left in index.cjs, they would be exported from the public
  // entry (`exports.__toESM`) and dist/mock.cjs would require the whole client just to reach them.
  outputOptions: { codeSplitting: { groups: [{ name: "runtime", test: /rolldown[:/]runtime/ }] } },
  clean: true,
  sourcemap: false,
  treeshake: true,
  // Timings are noise on a shared CI machine; any other warning fails the build.
  checks: { pluginTimings: false },
  failOnWarn: true,
});
