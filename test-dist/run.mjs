// npm run test:dist — the package as users get it: `npm pack`, installed into throwaway projects outside the repo,
// then type-checked and really run:
//   consumers: an ESM TypeScript project (nodenext), a bundler-style app (moduleResolution bundler, bundled by
//              esbuild), a CommonJS project (require); each type-checks a typed call, fails on a deliberate type
//              error (the exact code, on the exact line) and logs a feedback on Prism.
//   runtimes:  Node 20 (this one), Node 22 and 24, Bun and Deno (npm packages, pinned, installed on first use into
//              $PARADIGM_RUNTIMES_DIR, default ~/.cache/paradigm-client/runtimes), each logging a feedback.
//   browser:   Debian's chromium (/usr/bin/chromium) via playwright-core; a page on http://localhost loads the ESM build
//              and logs feedbacks on Prism at http://127.0.0.1 (cross-origin, so CORS preflights). Then the feedback
//              flow: a page on one origin clicks thumbs-up (paradigm-client/browser, no key), the handler
//              (paradigm-client/handler) on another origin checks the token and forwards to Prism, and to the DRF
//              reference server (test/reference-server), which stores it.
//   handler:   paradigm-client/handler on every runtime above (Web Crypto + Fetch only): forwards to Prism, refuses a
//              flipped token.
//   postgres:  paradigm-client/postgres with pg, against a throwaway PostgreSQL cluster (test/fixtures/postgres.ts):
//              the installed postgres-migrate bin, enqueue in committed and rolled-back transactions, a worker drains.
// Prism is the package's own `paradigm-client/mock`, installed with its optional peers in the consumer project.
// Usage: node test-dist/run.mjs [--only=esm-nodenext,bundler,cjs,node20,node22,node24,bun,deno,chromium,postgres]
// Expects a fresh dist/ (npm run build). Loopback only, apart from npm installing from its cache or registry.

import { spawn } from "node:child_process";
import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { childEnv, install, pack, run, tempDir } from "../scripts/build-pack.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const require = createRequire(import.meta.url);
const TSC = require.resolve("typescript/bin/tsc");

// Pinned so a run is reproducible; bump deliberately.
const RUNTIMES = {
  node22: { pkg: "node", version: "22.23.3", bin: "node" },
  node24: { pkg: "node", version: "24.21.0", bin: "node" },
  bun: { pkg: "bun", version: "1.4.5", bin: "bun" },
  deno: { pkg: "deno", version: "2.9.6", bin: "deno" },
};
// Same versions as the repo's devDependencies, so the install comes from the npm cache.
const pkgJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const devVersion = (name) => pkgJson.devDependencies[name];
const PEERS = ["@stoplight/prism-core", "@stoplight/prism-http", "@stoplight/prism-http-server"];
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// The variables the client reads (src/client/options.ts).
const ENV_VARS = "PARADIGM_API_KEY,PARADIGM_BASE_URL,PARADIGM_LOG";
const RUNTIMES_DIR = process.env.PARADIGM_RUNTIMES_DIR ?? join(homedir(), ".cache", "paradigm-client", "runtimes");

const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const wanted = (name) => !only || only.includes(name);

// --- a tiny harness: named checks, timed, all run even when one fails -------------------------------------------
const results = [];
async function check(name, fn) {
  const started = performance.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, ms: performance.now() - started, detail });
    console.log(`  ok    ${name} (${fmt(performance.now() - started)})${detail ? ` — ${detail}` : ""}`);
  } catch (e) {
    results.push({ name, ok: false, ms: performance.now() - started, detail: e.message });
    console.log(`  FAIL  ${name} (${fmt(performance.now() - started)})\n        ${String(e.message).replaceAll("\n", "\n        ")}`);
  }
}
const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
/** Runs a command that must succeed; returns stdout. */
async function ok(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  assert(r.status === 0, `${[cmd, ...args].join(" ")} exited ${r.status}${r.signal ? ` (${r.signal})` : ""}:\n${r.stdout}${r.stderr}`.trim());
  return r.stdout;
}
/** The last JSON line a fixture printed. */
function lastJson(stdout) {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`expected a JSON line, got:\n${stdout}`);
  }
}

// --- consumers --------------------------------------------------------------------------------------------------
/**
 * One tsc run over good.ts and bad.ts: the only error must be the one bad.ts announces ("expects TSxxxx") on the
 * line after the announcement. So good.ts type-checks clean, and the published types reject what the spec forbids
 * (an unresolved import or a broken .d.ts would show up as other errors). tsc still emits good.js for the run step.
 */
async function typeCheck(dir) {
  const source = readFileSync(join(dir, "bad.ts"), "utf8").split("\n");
  const markerLine = source.findIndex((l) => /expects (TS\d+)/.test(l));
  assert(markerLine >= 0, 'bad.ts announces no expected error ("expects TSxxxx")');
  const codes = [...source[markerLine].matchAll(/TS\d+/g)].map((m) => m[0]);
  const r = await run(process.execPath, [TSC, "-p", join(dir, "tsconfig.json"), "--pretty", "false"], { cwd: dir });
  const errors = r.stdout.split("\n").filter((l) => / error TS\d+:/.test(l));
  assert(r.status !== 0, "the deliberate type error in bad.ts type-checked: the published types accept what the spec forbids");
  assert(errors.length === 1, `expected exactly one type error (in bad.ts), got ${errors.length}:\n${r.stdout}`);
  const [, line, code] = /^bad\.ts\((\d+),\d+\): error (TS\d+)/.exec(errors[0]) ?? [];
  assert(Number(line) === markerLine + 2 && codes.includes(code), `expected ${codes.join(" or ")} on bad.ts line ${markerLine + 2}, got:\n${errors[0]}`);
  return `good.ts clean; bad.ts: ${code} on line ${line}`;
}

/** Copies a consumer fixture next to an install (so it resolves the packages installed there). */
function setUp(base, name) {
  const dir = join(base, name);
  cpSync(join(HERE, "consumers", name), dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: name === "cjs" ? "commonjs" : "module" }));
  return dir;
}

/** Starts a consumer's type check now (tsc is the slow part; they overlap each other and the installs). */
function startTypeCheck(base, name) {
  const dir = setUp(base, name);
  const started = performance.now();
  const result = typeCheck(dir).then(
    (detail) => ({ detail }),
    (error) => ({ error }),
  );
  return {
    dir,
    /** Resolves like typeCheck(), adding the time tsc itself took (the check's own time includes waiting for it). */
    done: () =>
      result.then(({ detail, error }) => {
        if (error) throw error;
        return `${detail} (tsc ${fmt(performance.now() - started)} wall)`;
      }),
  };
}

/** ESM (nodenext) and CommonJS (node16) TypeScript projects: both start paradigm-client/mock themselves. */
async function nodeConsumers(checks) {
  for (const [name, tc] of Object.entries(checks)) {
    const { dir } = tc;
    await check(`${name}: tsc type-checks a typed call and rejects the deliberate type error`, () => tc.done());
    await check(`${name}: the compiled project starts paradigm-client/mock and logs a feedback`, async () => {
      const js = readFileSync(join(dir, "out", "good.js"), "utf8");
      if (name === "cjs") assert(/require\("paradigm-client"\)/.test(js) && /require\("paradigm-client\/mock"\)/.test(js), "tsc did not emit require() calls");
      else assert(/from "paradigm-client"/.test(js), "tsc did not emit an ESM import");
      const res = lastJson(await ok(process.execPath, [join(dir, "out", "good.js")], { cwd: dir, timeoutMs: 60_000 }));
      assert(res.rate === 200 && res.validationError === true && (name === "cjs" || res.api === 200), `unexpected result ${JSON.stringify(res)}`);
      return JSON.stringify(res);
    });
  }
}

/** A bundler-style app (moduleResolution bundler), in the install without Prism. */
async function bundlerConsumer(tc, prismUrl) {
  if (!tc) return;
  const { dir } = tc;
  await check("bundler: tsc type-checks a typed call and rejects the deliberate type error", () => tc.done());
  await check("bundler: esbuild bundles the app and it logs feedbacks on Prism", async () => {
    const { build } = await import("esbuild");
    const out = join(dir, "out.mjs");
    await build({
      entryPoints: [join(dir, "good.ts")],
      absWorkingDir: dir,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outfile: out,
      define: { PRISM_URL: JSON.stringify(prismUrl) },
      logLevel: "silent",
    });
    const text = readFileSync(out, "utf8");
    assert(!/prism/i.test(text), 'the app bundle contains "prism": the main entry pulled in the mock');
    const res = lastJson(await ok(process.execPath, [out], { cwd: dir }));
    assert(JSON.stringify(res.rate) === "[200,200]", `expected two 200s, got ${JSON.stringify(res)}`);
    return `${statSync(out).size} B bundle, statuses ${res.rate.join(", ")}`;
  });
}

// --- runtimes ---------------------------------------------------------------------------------------------------
/** Installs a pinned runtime from npm into RUNTIMES_DIR once; returns its binary. */
async function ensureRuntime(id) {
  const { pkg, version, bin } = RUNTIMES[id];
  const dir = join(RUNTIMES_DIR, `${pkg}-${version}`);
  const exe = join(dir, "node_modules", ".bin", bin);
  const versionOf = async () => {
    const r = await run(exe, ["--version"], { cwd: dir, timeoutMs: 30_000 });
    return r.status === 0 ? r.stdout : "";
  };
  if (existsSync(exe) && (await versionOf()).includes(version)) return { exe, installed: false };
  rmSync(dir, { recursive: true, force: true });
  // Lifecycle scripts are needed here: each package fetches its platform binary (itself an npm package).
  await install(dir, { [pkg]: version });
  const v = await versionOf();
  assert(v.includes(version), `${pkg}@${version} installed but \`${bin} --version\` printed ${JSON.stringify(v)}`);
  return { exe, installed: true };
}

async function runtimeChecks(work, prismUrl, installs) {
  const rt = join(work, "rt");
  mkdirSync(rt, { recursive: true });
  cpSync(join(HERE, "runtimes", "rate.mjs"), join(rt, "rate.mjs"));
  cpSync(join(HERE, "runtimes", "rate.cjs"), join(rt, "rate.cjs"));
  cpSync(join(HERE, "runtimes", "handler.mjs"), join(rt, "handler.mjs"));
  const expectHandler = (res, label) => {
    assert(res.runtime.startsWith(label), `ran on ${res.runtime}, expected ${label}`);
    assert(res.handler === 204 && res.flipped === 401, `expected 204 then 401, got ${JSON.stringify(res)}`);
    assert(JSON.stringify(res.upstream) === "[200]", `expected one request to Prism answered 200, got ${JSON.stringify(res.upstream)}`);
    return `${res.runtime}: signed token → 204 (Prism 200), flipped token → 401, nothing sent`;
  };
  const expectRuntime = (res, label, module) => {
    assert(res.status === 200 && res.validationError === true, `unexpected result ${JSON.stringify(res)}`);
    if (res.multipart !== undefined) assert(res.multipart === 200, `multipart got ${res.multipart}`);
    assert(res.runtime.startsWith(label), `ran on ${res.runtime}, expected ${label}`);
    assert(res.module === module, `ran the ${res.module} entry`);
    return `${res.runtime}, ${module}: ${res.status}${res.multipart ? `, multipart ${res.multipart}` : ""}`;
  };
  const env = childEnv({ DO_NOT_TRACK: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DENO_DIR: join(work, ".deno") });
  const ids = ["node20", "node22", "node24", "bun", "deno"].filter(wanted);
  for (const id of ids) {
    let exe = process.execPath;
    if (id !== "node20") {
      const r = await installs[id];
      if (r.error) {
        await check(`${id}: install ${RUNTIMES[id].pkg}@${RUNTIMES[id].version} from npm`, () => {
          throw r.error;
        });
        continue;
      }
      exe = r.exe;
    }
    const label = id.startsWith("node") ? `node ${id === "node20" ? process.versions.node : RUNTIMES[id].version}` : `${id} ${RUNTIMES[id].version}`;
    if (id === "deno") {
      // Only loopback network, no other permission: a client given its key and URL must not need env access.
      await check("deno: rate.mjs (ESM) logs feedbacks on Prism with --allow-net only", async () =>
        expectRuntime(lastJson(await ok(exe, ["run", "--allow-net=127.0.0.1", "rate.mjs", prismUrl], { cwd: rt, env })), label, "esm"),
      );
      // With read access to the client's own variables (what a user relying on PARADIGM_API_KEY grants anyway).
      await check("deno: rate.mjs (ESM) logs feedbacks on Prism with --allow-env=PARADIGM_*", async () =>
        expectRuntime(
          lastJson(await ok(exe, ["run", "--allow-net=127.0.0.1", `--allow-env=${ENV_VARS}`, "rate.mjs", prismUrl], { cwd: rt, env })),
          label,
          "esm",
        ),
      );
      await check("deno: paradigm-client/handler forwards a token-checked feedback to Prism (--allow-net only)", async () =>
        expectHandler(lastJson(await ok(exe, ["run", "--allow-net=127.0.0.1", "handler.mjs", prismUrl], { cwd: rt, env })), label),
      );
      await check("deno: rate.cjs (require) logs a feedback on Prism", async () =>
        expectRuntime(
          lastJson(await ok(exe, ["run", "--allow-net=127.0.0.1", `--allow-env=${ENV_VARS}`, "--allow-read", "rate.cjs", prismUrl], { cwd: rt, env })),
          label,
          "cjs",
        ),
      );
      continue;
    }
    await check(`${id}: rate.mjs (ESM) logs feedbacks on Prism`, async () =>
      expectRuntime(lastJson(await ok(exe, ["rate.mjs", prismUrl], { cwd: rt, env })), label, "esm"),
    );
    await check(`${id}: rate.cjs (require) logs a feedback on Prism`, async () =>
      expectRuntime(lastJson(await ok(exe, ["rate.cjs", prismUrl], { cwd: rt, env })), label, "cjs"),
    );
    await check(`${id}: paradigm-client/handler forwards a token-checked feedback to Prism`, async () =>
      expectHandler(lastJson(await ok(exe, ["handler.mjs", prismUrl], { cwd: rt, env })), label),
    );
  }
}

// --- browser ----------------------------------------------------------------------------------------------------
const TYPES = { ".html": "text/html; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

/** Serves the pages in test-dist/browser/ and the two packages' files from the consumer install, nothing else. */
function servePage(work) {
  const allowed = [join(work, "node_modules", "paradigm-client") + sep, join(work, "node_modules", "openapi-fetch") + sep];
  const pages = new Set(["index.html", "feedback.html"]);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const page = path === "/" ? "index.html" : path.slice(1);
    const file = pages.has(page) ? join(HERE, "browser", page) : normalize(join(work, path));
    if ((!pages.has(page) && !allowed.some((a) => file.startsWith(a))) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function browserCheck(work, prismUrl) {
  await check("chromium: a page on localhost loads the ESM build and logs feedbacks on Prism across origins", async () => {
    assert(existsSync(CHROMIUM), `${CHROMIUM} not found: install it with \`apt-get update && apt-get install -y chromium\``);
    const { chromium } = await import("playwright-core");
    const server = await servePage(work);
    const userDataDir = join(work, "chromium-profile");
    const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    try {
      const page = await context.newPage();
      const logs = [];
      page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
      const { port } = server.address();
      await page.goto(`http://localhost:${port}/index.html?prism=${encodeURIComponent(prismUrl)}`);
      const res = await page.evaluate(() => window.result);
      const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
      assert(!res.error, `the page failed: ${res.error}\n${logs.join("\n")}`);
      assert(res.pageOrigin !== res.prismOrigin, `page and Prism share an origin (${res.pageOrigin}): not a CORS test`);
      const statuses = Object.values(res.statuses);
      assert(statuses.length === 3 && statuses.every((s) => s === 200), `unexpected statuses ${JSON.stringify(res.statuses)}`);
      assert(res.validationError === true, "invalid input did not reject with ParadigmValidationError");
      return `chromium ${version}: ${res.pageOrigin} → ${res.prismOrigin}, ${JSON.stringify(res.statuses)}`;
    } finally {
      await context.close();
      server.close();
    }
  });
}

// --- feedback from the browser: paradigm-client/browser → paradigm-client/handler → Prism / DRF ---------------
const PYTHON = process.env.PARADIGM_REF_PYTHON ?? "/usr/bin/python3";
const REFERENCE_KEY = "sk-reference-test";

/** The DRF reference upstream (test/reference-server/serve.py, as its start.ts launches it): { url, close() }. */
/**
 * The `url` of the first JSON line `child` prints on stdout (a whole line: a chunk may end mid-line). Rejects, with
 * what `stderr()` returns, when the child errors or exits first or prints none within 60 s; the timer is cleared either
 * way, so it never keeps a finished run alive.
 */
function childUrl(child, what, stderr = () => "") {
  return new Promise((resolve, reject) => {
    let out = "";
    const fail = (e) => {
      clearTimeout(timer);
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`${what}: no URL within 60 s\n${stderr()}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      const line = out
        .split("\n")
        .slice(0, -1)
        .find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`${what} exited ${code}\n${stderr()}`)));
  });
}

async function startReferenceServer() {
  const dir = join(ROOT, "test", "reference-server");
  const child = spawn(PYTHON, [join(dir, "serve.py")], {
    cwd: dir,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PARADIGM_REF_KEYS: REFERENCE_KEY, PARADIGM_REF_THROTTLE_EVERY: "0" },
  });
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const close = () => {
    child.stdin.end();
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  const url = await childUrl(child, "the reference server", () => err).catch((e) => {
    close();
    throw e;
  });
  return { url, close };
}

/**
 * The handler from the installed tarball, on its own loopback origin, forwarding to `upstream`. Records the
 * methods it was asked for (so the preflight shows) and each upstream answer.
 */
async function startFeedbackHandler(work, upstream, apiKey, pageOrigin) {
  const dist = join(work, "node_modules", "paradigm-client", "dist");
  const { createParadigmClient } = await import(pathToFileURL(join(dist, "index.mjs")).href);
  const { createFeedbackHandler, signFeedbackToken, toNodeListener } = await import(pathToFileURL(join(dist, "handler.mjs")).href);
  const seen = { methods: [], upstream: [], authorization: [] };
  const client = createParadigmClient({
    apiKey,
    baseUrl: upstream,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      seen.upstream.push(`${res.status} ${new URL(String(input)).pathname}`);
      return res;
    },
  });
  const secret = "test-dist-feedback-secret-0123456789abcdef";
  const handler = createFeedbackHandler({ client, secret, allowedOrigins: [pageOrigin] });
  const listener = toNodeListener(handler);
  const server = createServer((req, res) => {
    seen.methods.push(req.method);
    seen.authorization.push(req.headers.authorization ?? null);
    listener(req, res).catch(() => res.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${server.address().port}/api/feedback`;
  const sign = (completionId, feedbackTypeIds) => signFeedbackToken({ secret, completionId, feedbackTypeIds, maxUses: 1 });
  return { endpoint, seen, sign, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Opens feedback.html on the page origin, clicks a button, returns what sendFeedback reported. */
async function click(context, pageUrl, button) {
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(pageUrl);
    await page.click(`#${button}:enabled`);
    await page.waitForFunction((id) => window.results?.[id] !== undefined, button, { timeout: 20_000 });
    return { result: await page.evaluate((id) => window.results[id], button), origin: await page.evaluate(() => window.pageOrigin), logs };
  } catch (e) {
    throw new Error(`${e.message}\n${logs.join("\n")}`);
  } finally {
    await page.close();
  }
}

async function feedbackBrowserCheck(work, prismUrl) {
  if (!existsSync(CHROMIUM)) {
    await check("chromium: feedback from the browser through paradigm-client/handler", () => {
      throw new Error(`${CHROMIUM} not found: install it with \`apt-get update && apt-get install -y chromium\``);
    });
    return;
  }
  const { chromium } = await import("playwright-core");
  const pageServer = await servePage(work);
  // The page on http://localhost:<a>, the handler on http://127.0.0.1:<b>: another host and port, so another origin.
  const pageOrigin = `http://localhost:${pageServer.address().port}`;
  const userDataDir = join(work, "chromium-feedback-profile");
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    // A fresh profile (playwright passes it as --user-data-dir).
    args: CHROMIUM_FLAGS,
  });
  const pageFor = (h, token, type) => `${pageOrigin}/feedback.html?endpoint=${encodeURIComponent(h.endpoint)}&token=${encodeURIComponent(token)}&type=${type}`;
  try {
    await check("chromium: a page clicks thumbs-up, the handler on another origin checks the token and Prism answers", async () => {
      const h = await startFeedbackHandler(work, prismUrl, "chromium-feedback-key", pageOrigin);
      try {
        const token = await h.sign("cmpl-chromium", [3]);
        const up = await click(context, pageFor(h, token, 3), "thumbs-up");
        assert(up.origin === pageOrigin && new URL(h.endpoint).origin !== pageOrigin, "page and handler share an origin: not a CORS test");
        assert(up.result.ok === true, `thumbs-up failed in the page: ${JSON.stringify(up.result)}\n${up.logs.join("\n")}`);
        assert(h.seen.methods.join(",") === "OPTIONS,POST", `expected a preflight then the POST, the handler saw ${h.seen.methods.join(",")}`);
        assert(
          h.seen.authorization.every((a) => a === null),
          "the browser sent an Authorization header",
        );
        assert(h.seen.upstream.join() === "200 /api/v2/rate/3/cmpl-chromium", `Prism saw ${JSON.stringify(h.seen.upstream)}`);
        // A type the token does not allow: refused by the handler, readable by the page (CORS on errors), nothing sent.
        const wrong = await click(context, pageFor(h, token, 3), "wrong-type");
        assert(
          wrong.result.isFeedbackError && wrong.result.status === 403 && wrong.result.code === "token_scope",
          `expected FeedbackError 403 token_scope, got ${JSON.stringify(wrong.result)}`,
        );
        // maxUses: 1, so a second thumbs-up with the same token is refused.
        const again = await click(context, pageFor(h, token, 3), "thumbs-up");
        assert(again.result.status === 403 && again.result.code === "token_used_up", `expected 403 token_used_up, got ${JSON.stringify(again.result)}`);
        assert(h.seen.upstream.length === 1, `refusals reached Prism: ${JSON.stringify(h.seen.upstream)}`);
        const version = context.browser()?.version() ?? "";
        return `chromium ${version}: ${pageOrigin} → ${new URL(h.endpoint).origin} (preflight + POST) → Prism 200; then a wrong type 403 and a replay 403, neither sent upstream`;
      } finally {
        await h.close();
      }
    });
    await check("chromium: the same click through the handler is stored by the DRF reference server", async () => {
      assert(existsSync(PYTHON), `${PYTHON} not found (the reference server needs Debian's python3-djangorestframework)`);
      const ref = await startReferenceServer();
      try {
        const h = await startFeedbackHandler(work, ref.url, REFERENCE_KEY, pageOrigin);
        try {
          // Feedback type 1 is a boolean kind in the reference server's seed.
          const up = await click(context, pageFor(h, await h.sign("cmpl-chromium-ref", [1]), 1), "thumbs-up");
          assert(up.result.ok === true, `thumbs-up failed in the page: ${JSON.stringify(up.result)}\n${up.logs.join("\n")}`);
          const rows = await (await fetch(`${ref.url}/_test/feedbacks`)).json();
          const row = rows.find((r) => r.completion_id === "cmpl-chromium-ref");
          assert(rows.length === 1 && row?.feedback_type_id === 1 && row.flag === true, `DRF stored ${JSON.stringify(rows)}`);
          return `stored by DRF: ${JSON.stringify(row)}`;
        } finally {
          await h.close();
        }
      } finally {
        ref.close();
      }
    });
  } finally {
    await context.close();
    pageServer.close();
  }
}

// --- paradigm-client/postgres against a throwaway PostgreSQL ------------------------------------------------------
/** Debian's server binaries (/usr/lib/postgresql/<major>/bin/initdb): .ci/run installs them; without them, skip. */
const hasPostgres = () =>
  existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((d) => existsSync(join("/usr/lib/postgresql", d, "bin", "initdb")));

/** test-dist/postgres-cluster.ts in a child (tsx, from the repo): { url, stop() }; the cluster goes when its stdin closes. */
async function startCluster() {
  const child = spawn(process.execPath, ["--import", "tsx", join(HERE, "postgres-cluster.ts")], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  try {
    const url = await childUrl(child, "postgres-cluster.ts", () => err);
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function postgresCheck(dir, pgInstall) {
  await check("paradigm-client/postgres (installed, with pg): migrate bin, committed vs rolled-back enqueues, a worker drains", async () => {
    if (!pgInstall) return "skipped: PostgreSQL not installed (no /usr/lib/postgresql/*/bin/initdb)";
    const [installed, cluster] = await Promise.all([pgInstall, startCluster()]);
    try {
      if (installed.error) throw installed.error;
      cpSync(join(HERE, "postgres", "outbox.mjs"), join(dir, "outbox.mjs"));
      const env = childEnv({ DATABASE_URL: cluster.url });
      const res = lastJson(await ok(process.execPath, ["outbox.mjs"], { cwd: dir, env, timeoutMs: 120_000 }));
      assert(res.migrate?.migrated === true, `postgres-migrate --json printed ${JSON.stringify(res.migrate)}`);
      const want = { queued: 0, inFlight: 0, delivered: 50, failed: 0, unknown: 0 };
      assert(JSON.stringify(res.counts) === JSON.stringify(want), `counts() gave ${JSON.stringify(res.counts)}, expected ${JSON.stringify(want)}`);
      assert(
        res.requests === 50 && res.distinct === 50 && res.rolledBackSent === 0,
        `the server got ${res.requests} requests (${res.distinct} distinct, ${res.rolledBackSent} from the rolled-back transaction), expected the 50 committed, once each`,
      );
      return JSON.stringify(res);
    } finally {
      await cluster.stop();
    }
  });
}

// --- main -------------------------------------------------------------------------------------------------------
async function main() {
  assert(existsSync(join(ROOT, "dist", "index.mjs")), "dist/ is missing: run `npm run build` first");
  const started = performance.now();
  const work = tempDir("dist");
  // Two installs of the tarball: `app` has no Prism at all (bundler app, runtimes, browser: the main entry must not
  // need it), `node` adds @types/node and the optional Prism peers (TypeScript Node projects using the mock).
  const app = join(work, "app");
  const node = join(work, "node");
  let host;
  try {
    console.log(`test:dist in ${work}`);
    // Runtime installs (network or cache) overlap everything up to the runtime checks.
    const installs = {};
    for (const id of Object.keys(RUNTIMES).filter(wanted)) {
      const t = performance.now();
      installs[id] = ensureRuntime(id).then(
        (r) => ({ ...r, ms: performance.now() - t }),
        (error) => ({ error, ms: performance.now() - t }),
      );
    }
    let tarball;
    await check("npm pack", async () => {
      const p = await pack(work);
      tarball = p.tarball;
      for (const f of [
        "dist/index.mjs",
        "dist/index.cjs",
        "dist/mock.mjs",
        "dist/mock.cjs",
        "dist/handler.mjs",
        "dist/browser.mjs",
        "generated/openapi.yaml",
      ]) {
        assert(p.files.includes(f), `the tarball lacks ${f}`);
      }
      assert(!p.files.some((f) => f.startsWith("src/") || f.startsWith("test")), "the tarball ships sources or tests");
      return `${p.files.length} files, ${p.size} B packed, ${p.unpackedSize} B unpacked`;
    });
    if (!tarball) throw new Error("cannot continue without a tarball");
    const nodeDeps = { "paradigm-client": `file:${tarball}`, "@types/node": devVersion("@types/node") };
    for (const p of PEERS) nodeDeps[p] = devVersion(p);
    const nodeInstall = install(node, nodeDeps, { type: "module" }).then(
      (ms) => ({ ms }),
      (error) => ({ error }),
    );
    // pg (the optional peer) only where the postgres check runs: its own project, installing alongside the others.
    const pgDir = join(work, "pg");
    const pgInstall =
      wanted("postgres") && hasPostgres()
        ? install(pgDir, { "paradigm-client": `file:${tarball}`, pg: "8.23.1" }, { type: "module" }).then(
            (ms) => ({ ms }),
            (error) => ({ error }),
          )
        : undefined;
    await check("npm install the tarball alone (app project)", async () => {
      await install(app, { "paradigm-client": `file:${tarball}` }, { type: "module" });
      assert(!existsSync(join(app, "node_modules", "@stoplight")), "installing paradigm-client pulled in Prism: the peers must stay optional");
      assert(existsSync(join(app, "node_modules", "openapi-fetch")), "openapi-fetch was not installed with the package");
    });
    const bundlerTc = wanted("bundler") ? startTypeCheck(app, "bundler") : undefined;
    await check("npm install the tarball + @types/node + the Prism peers (node project)", async () => {
      const r = await nodeInstall;
      if (r.error) throw r.error;
      return `${fmt(r.ms)} wall, overlapping the app install`;
    });
    const nodeTcs = Object.fromEntries(["esm-nodenext", "cjs"].filter(wanted).map((name) => [name, startTypeCheck(node, name)]));
    await check("require() and import see the same exports, for every entry", async () => {
      const script = `import { createRequire } from "node:module";
        const require = createRequire(import.meta.url);
        const out = {};
        for (const id of ["paradigm-client", "paradigm-client/api", "paradigm-client/mock", "paradigm-client/handler", "paradigm-client/browser"]) {
          out[id] = { esm: Object.keys(await import(id)).sort(), cjs: Object.keys(require(id)).sort() };
        }
        console.log(JSON.stringify(out));`;
      const res = lastJson(await ok(process.execPath, ["--input-type=module", "-e", script], { cwd: node }));
      for (const [id, { esm, cjs }] of Object.entries(res)) {
        assert(JSON.stringify(esm) === JSON.stringify(cjs), `${id}: import gives ${esm.join(",")}\nrequire gives ${cjs.join(",")}`);
      }
      return Object.entries(res)
        .map(([id, { esm }]) => `${id}: ${esm.length} names`)
        .join(", ");
    });
    for (const [name, target] of Object.entries(typeof pkgJson.bin === "string" ? { [pkgJson.name]: pkgJson.bin } : (pkgJson.bin ?? {}))) {
      await check(`the installed "${name}" command runs (--help)`, async () => {
        const out = await ok(join(app, "node_modules", ".bin", name), ["--help"], { cwd: app });
        assert(out.trim().length > 0, "--help printed nothing");
        return `${target}, ${out.trim().split("\n").length} lines of help`;
      });
    }
    let prismUrl;
    await check("paradigm-client/mock (installed) starts Prism on the shipped spec", async () => {
      mkdirSync(join(node, "host"), { recursive: true });
      cpSync(join(HERE, "runtimes", "mock-host.mjs"), join(node, "host", "mock-host.mjs"));
      host = spawn(process.execPath, ["mock-host.mjs"], { cwd: join(node, "host"), stdio: ["pipe", "pipe", "inherit"] });
      prismUrl = await childUrl(host, "mock-host");
      assert(/^http:\/\/127\.0\.0\.1:\d+$/.test(prismUrl), `unexpected URL ${prismUrl}`);
      return prismUrl;
    });
    if (prismUrl) {
      await nodeConsumers(nodeTcs);
      await bundlerConsumer(bundlerTc, prismUrl);
      await runtimeChecks(app, prismUrl, installs);
      if (wanted("chromium")) await browserCheck(app, prismUrl);
      if (wanted("chromium")) await feedbackBrowserCheck(app, prismUrl);
    }
    if (wanted("postgres")) await postgresCheck(pgDir, pgInstall);
    const timings = await Promise.all(Object.entries(installs).map(async ([id, p]) => [id, await p]));
    console.log(
      `runtime installs: ${timings.map(([id, r]) => `${id} ${r.error ? "failed" : r.installed ? "installed" : "cached"} ${fmt(r.ms)}`).join(", ") || "none"}`,
    );
  } finally {
    host?.stdin.end();
    host?.kill();
    rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`test:dist: ${results.length - failed.length}/${results.length} checks passed in ${fmt(performance.now() - started)}`);
  if (failed.length) process.exitCode = 1;
}

await main();
