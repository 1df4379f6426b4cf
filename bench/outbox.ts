// The outbox at import scale (issue 11, finding 11): N ratings through a queue with a file outbox, the way the
// CLI import uses it (ref = row number, 19 rows held failed/unknown), each phase in its own process:
//   run     a clean run of N items, closed at the end
//   crash   a run SIGKILLed (by itself) after K items were accepted: the checkpoint a resume starts from
//   resume  reopen that checkpoint, ready(), continue after lastRef to N
//   rerun   the same run again on the finished outbox: must send nothing
// Reported per phase: peak RSS (process.resourceUsage().maxRSS), outbox bytes (largest seen while running,
// and at the end), items/s, and what the server counted (sends, and items sent more than once).
//
// Usage: npx tsx bench/outbox.ts [--n=300000] [--crash-at=124000] [--transport=http|fake] [--json]
// `http` (default) is a node:http server on 127.0.0.1 in this process, answering 200 (or 400/500 for the held
// rows); `fake` swaps the client's fetch for an in-process stub (measures the queue and the store alone).
// Nothing is asserted; the figures go to stdout.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const N = Number(flag("n", "300000"));
const CRASH_AT = Number(flag("crash-at", String(Math.round(N * 0.41))));
const TRANSPORT = flag("transport", "http");
// Spread over the run, like the 300k file: 4 rows refused (400), 15 with unknown delivery (500).
const BAD = new Set([1, 2, 3, 4].map((k) => Math.round((k * N) / 5) + 7));
const UNKNOWN = new Set(Array.from({ length: 15 }, (_, k) => Math.round(((k + 0.5) * N) / 15) + 3));
const statusOf = (ref: number) => (BAD.has(ref) ? 400 : UNKNOWN.has(ref) ? 500 : 200);
const COMMENT = "A plausible free-text comment a user left on this answer, long enough to be realistic.";

interface PhaseResult {
  phase: string;
  lastRef: unknown;
  enqueued: number;
  seconds: number;
  itemsPerSec: number;
  maxRssMB: number;
  outboxMaxBytes: number;
  outboxEndBytes: number;
  readyMs: number;
  counts: Record<string, number>;
}

async function child(phase: string, outbox: string, baseUrl: string): Promise<void> {
  const { createParadigmClient } = await import("../src/client/index.ts");
  const { createFeedbackQueue, fileStore } = await import("../src/queue/index.ts");
  const fetch: typeof globalThis.fetch | undefined =
    TRANSPORT === "fake"
      ? async (input) => new Response(null, { status: statusOf(Number(decodeURIComponent(String(input).split("/").pop() as string).slice(5))) })
      : undefined;
  const client = createParadigmClient({ apiKey: "bench-key", baseUrl, ...(fetch ? { fetch } : {}) });
  const size = () => {
    try {
      return statSync(outbox).size;
    } catch {
      return 0;
    }
  };
  let outboxMax = size();
  const t0 = performance.now();
  const queue = createFeedbackQueue(client, { store: fileStore(outbox), concurrency: 16 });
  const restored = await queue.ready();
  const readyMs = performance.now() - t0;
  const from = typeof restored.lastRef === "number" ? restored.lastRef + 1 : 1;
  let enqueued = 0;
  // Like the import: up to 512 enqueue() calls at once, so outbox writes go out in groups (one fsync each).
  const window = new Set<Promise<unknown>>();
  for (let ref = from; ref <= N; ref++) {
    const p = queue.enqueue(1 + (ref % 7), `cmpl-${ref}`, { value: ref % 5, flag: ref % 2 === 0, comment: COMMENT, tag: "bench" }, { ref });
    window.add(p);
    void p.finally(() => window.delete(p));
    if (window.size >= 512) await Promise.race(window);
    enqueued++;
    if (ref % 2000 === 0) outboxMax = Math.max(outboxMax, size());
    if (phase === "crash" && ref === CRASH_AT) {
      await Promise.all(window);
      process.kill(process.pid, "SIGKILL");
    }
  }
  await Promise.all(window);
  await queue.close();
  const seconds = (performance.now() - t0) / 1000;
  const result: PhaseResult = {
    phase,
    lastRef: restored.lastRef,
    enqueued,
    seconds,
    itemsPerSec: Math.round(enqueued / seconds),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    outboxMaxBytes: Math.max(outboxMax, size()),
    outboxEndBytes: size(),
    readyMs: Math.round(readyMs),
    counts: { ...queue.counts },
  };
  console.log(JSON.stringify(result));
}

async function parent(): Promise<void> {
  const sent = new Map<string, number>();
  let total = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = decodeURIComponent((req.url ?? "").split("/").pop() ?? "");
      total++;
      sent.set(id, (sent.get(id) ?? 0) + 1);
      res.writeHead(statusOf(Number(id.slice(5))), { "content-length": "0" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), "paradigm-outbox-bench-"));
  const self = fileURLToPath(import.meta.url);
  const phase = (name: string, outbox: string) =>
    new Promise<{ result?: PhaseResult; signal: string | null; outboxBytes: number }>((resolve, reject) => {
      const c = spawn(process.execPath, ["--import", "tsx", self, ...args, `--child=${name}`, `--outbox=${outbox}`, `--url=${baseUrl}`], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      c.stdout.on("data", (d) => {
        out += d;
      });
      c.on("error", reject);
      c.on("exit", (_code, signal) => {
        const line = out.trim().split("\n").pop();
        resolve({ ...(line ? { result: JSON.parse(line) as PhaseResult } : {}), signal, outboxBytes: statSync(outbox).size });
      });
    });
  const dupes = () => [...sent.values()].filter((n) => n > 1).length;
  const rows: Record<string, unknown>[] = [];
  const record = (name: string, r: Awaited<ReturnType<typeof phase>>, before: number) => {
    const row = {
      phase: name,
      ...r.result,
      signal: r.signal ?? undefined,
      outboxBytesAfter: r.outboxBytes,
      sentByServer: total - before,
      itemsSentTwiceSoFar: dupes(),
    };
    rows.push(row);
    if (!args.includes("--json")) console.log(JSON.stringify(row));
  };
  try {
    const a = join(dir, "clean.jsonl");
    let before = total;
    record("run", await phase("run", a), before);
    before = total;
    record("rerun", await phase("rerun", a), before);
    if (TRANSPORT === "http") {
      sent.clear();
      total = 0;
    }
    const b = join(dir, "crashed.jsonl");
    before = total;
    record("crash", await phase("crash", b), before);
    before = total;
    record("resume", await phase("resume", b), before);
    before = total;
    record("rerun", await phase("rerun", b), before);
    if (args.includes("--json")) console.log(JSON.stringify({ n: N, crashAt: CRASH_AT, transport: TRANSPORT, rows }));
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const childPhase = flag("child", "");
if (childPhase) await child(childPhase, flag("outbox", ""), flag("url", ""));
else await parent();
