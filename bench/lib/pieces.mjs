// Where rate()'s JavaScript time goes: each piece of its hot path timed alone, in one process, with the
// network stubbed. Pieces are src/ functions where src/ exports them (validation, encoding, the transport),
// and the same primitives the transport uses otherwise (AbortController, timers, DOMException, the abort race).
// Needs tsx (imports src/*.ts). Prints one JSON line: ns per operation, median of `batches` batches.
import { performance } from "node:perf_hooks";
import { median } from "./stats.mjs";
import { API_KEY, COMPLETION_ID, FEEDBACK, FEEDBACK_TYPE_ID, RATE_TEMPLATE } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? '{"n":20000,"batches":5}');
const root = new URL("../../", import.meta.url);
const { operationSpec, validateOperation } = await import(new URL("src/spec/validate.ts", root).href);
const { encodeBody, fillPath } = await import(new URL("src/spec/encode.ts", root).href);
const { Transport } = await import(new URL("src/client/transport.ts", root).href);
const { resolveOptions } = await import(new URL("src/client/options.ts", root).href);
const { createParadigmClient } = await import(new URL("src/client/index.ts", root).href);

const BASE = "http://127.0.0.1:9";
const URL_ = `${BASE}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
const prebuilt = new Response(null, { status: 200, headers: { "content-length": "0" } });
const stub = async () => prebuilt;
const spec = operationSpec("POST", RATE_TEMPLATE);
const path = { feedback_type_id: FEEDBACK_TYPE_ID, completion_id: COMPLETION_ID };
let sink = 0;

async function time(fn, isAsync) {
  const n = cfg.n;
  const run = async () => {
    const t0 = performance.now();
    if (isAsync) for (let i = 0; i < n; i++) await fn();
    else for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t0) * 1e6) / n;
  };
  await run(); // warm-up
  const xs = [];
  for (let b = 0; b < cfg.batches; b++) xs.push(await run());
  return median(xs);
}

const plain = createParadigmClient({ apiKey: API_KEY, baseUrl: BASE, fetch: stub });
const noValidate = createParadigmClient({ apiKey: API_KEY, baseUrl: BASE, fetch: stub, validate: false });
const transport = new Transport(resolveOptions({ apiKey: API_KEY, baseUrl: BASE, fetch: stub }));
const outbound = () => ({ method: "POST", url: URL_, headers: { "content-type": "application/json" }, body: JSON.stringify(FEEDBACK) });

// The transport's abort race, as in src/client/transport.ts: a settled promise raced against a live signal.
function race(p, signal) {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}
const liveSignal = new AbortController().signal;

const pieces = [
  ["rate() whole call (stubbed fetch)", () => plain.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK), true],
  ["rate() with validate: false", () => noValidate.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK), true],
  ["Transport.execute alone (no validation, no encoding)", () => transport.execute(outbound()), true],
  ["validateOperation (path + Feedback body)", () => (sink += validateOperation(spec, { path, body: FEEDBACK, mediaType: "application/json" }).length), false],
  ["encodeBody JSON", () => (sink += encodeBody(FEEDBACK, "application/json").body.length), false],
  ["  of which JSON.stringify", () => (sink += JSON.stringify(FEEDBACK).length), false],
  ["fillPath + base URL", () => (sink += (BASE + fillPath(RATE_TEMPLATE, path)).length), false],
  [
    "headers object merge ({...o.headers, ...req.headers, authorization})",
    () => (sink += Object.keys({ ...{}, ...{ "content-type": "application/json" }, authorization: `Bearer ${API_KEY}` }).length),
    false,
  ],
  ["new AbortController()", () => (sink += new AbortController().signal.aborted ? 1 : 0), false],
  ["new DOMException(…, 'TimeoutError')", () => (sink += new DOMException("Attempt timed out after 30000 ms", "TimeoutError").code), false],
  ["setTimeout(30 s) + clearTimeout", () => clearTimeout(setTimeout(() => {}, 30_000)), false],
  ["race(settled promise, live signal) vs plain await: race part", () => race(Promise.resolve(1), liveSignal), true],
  ["  baseline: await a settled promise", () => Promise.resolve(1), true],
  ["response.arrayBuffer() (empty body)", () => prebuilt.arrayBuffer(), true],
  [
    "response.headers.get × 2 (request id lookup)",
    () => (sink += (prebuilt.headers.get("x-request-id") ?? prebuilt.headers.get("request-id") ?? "").length),
    false,
  ],
  ["new Request(url, init) without signal", () => (sink += new Request(URL_, { method: "POST", headers: { a: "b" }, body: "{}" }).url.length), false],
  // A fresh controller each time, as the transport makes: a shared signal would pile up undici's listeners.
  [
    "new Request(url, init) with a fresh AbortController's signal",
    () => (sink += new Request(URL_, { method: "POST", headers: { a: "b" }, body: "{}", signal: new AbortController().signal }).url.length),
    false,
  ],
];

const out = {};
for (const [name, fn, isAsync] of pieces) out[name] = await time(fn, isAsync);
process.stdout.write(`${JSON.stringify({ nsPerOp: out, sink: sink > 0 })}\n`);
