// A model-based property test of the outbox (issue 11): fast-check draws sequences of enqueue (the documented
// idempotent loop: refs in order, skipping refs ≤ ready().lastRef after each start), answers to requests in
// flight (200, 400, 500), SIGKILL (the process vanishes: its outbox file is copied as it is on disk at that
// moment, sometimes with a torn half-written line appended; requests in flight may or may not have reached
// the server), a graceful restart, a drain (flush, which compacts), an explicit compaction, and retrying the
// definitive failures. Outbox options vary per run, including compaction after every write group.
//
// The server's ledger counts, per item, the sends it may have logged (a 200, a 500, a request in flight at a
// kill). Properties: no item is ever logged twice; and at the end (one last restart and re-run, everything
// answered 200), every item is delivered or held in failed(), visible to the caller. Nothing is lost.
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";
import { createFeedbackQueue, type FeedbackQueue, type FeedbackStore, fileStore } from "../src/queue/index.ts";

/** The items the application enqueues, in this order, on every run: refs 1..ITEMS. */
const ITEMS = 12;

interface Request {
  ref: number;
  answer: (status: number) => void;
  fail: (e: Error) => void;
}

interface Config {
  concurrency: number;
  compactAtBytes: number;
}

/** One process's worth of queue: a store on its own file, a client whose requests wait for the test. */
interface Generation {
  path: string;
  store: FeedbackStore;
  queue: FeedbackQueue;
  inFlight: Request[];
  autoAnswer: boolean;
  dead: boolean;
}

interface Model {
  /** The application's cursor: the last ref it enqueued (or the outbox's lastRef after a start). */
  cursor: number;
  /** Sends the server may have logged, per ref. */
  logged: Map<number, number>;
  /** Refs the server answered 200 at least once. */
  delivered: Set<number>;
}

interface Real {
  dir: string;
  config: Config;
  gens: number;
  current: Generation;
}

const ticks = async (n = 12) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

function log(m: Model, ref: number): void {
  m.logged.set(ref, (m.logged.get(ref) ?? 0) + 1);
}

function answer(m: Model, req: Request, status: number): void {
  if (status !== 400) log(m, req.ref); // a 500 may have been logged: counted as if it were
  if (status === 200) m.delivered.add(req.ref);
  req.answer(status);
}

async function start(real: Real, m: Model, path: string): Promise<void> {
  const gen: Generation = { path, inFlight: [], autoAnswer: false, dead: false } as unknown as Generation;
  const client = createParadigmClient({
    apiKey: "k",
    baseUrl: "http://127.0.0.1:9",
    fetch: (input) => {
      const ref = Number(decodeURIComponent(String(input).split("/").pop() as string).slice(1));
      // A dead process sends nothing.
      if (gen.dead) return Promise.reject(new TypeError("fetch failed: the process is gone"));
      return new Promise<Response>((resolve, reject) => {
        const req: Request = { ref, answer: (status) => resolve(new Response(null, { status })), fail: reject };
        if (gen.autoAnswer) answer(m, req, 200);
        else gen.inFlight.push(req);
      });
    },
  });
  gen.store = fileStore(path, { fsync: false, compactAtBytes: real.config.compactAtBytes });
  gen.queue = createFeedbackQueue(client, { store: gen.store, concurrency: real.config.concurrency, sleep: async () => {} });
  real.current = gen;
  const { lastRef } = await gen.queue.ready();
  // The documented idempotent pattern: items up to lastRef were taken by an earlier run.
  m.cursor = typeof lastRef === "number" ? lastRef : 0;
  await ticks();
}

function checkNoDuplicate(m: Model): void {
  for (const [ref, n] of m.logged) if (n > 1) throw new Error(`item ${ref} was sent ${n} times where the server may have logged it`);
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Enqueue implements Cmd {
  check = (m: Readonly<Model>) => m.cursor < ITEMS;
  async run(m: Model, r: Real) {
    const ref = m.cursor + 1;
    await r.current.queue.enqueue(1, `c${ref}`, { value: ref % 5 }, { ref });
    m.cursor = ref;
    await ticks();
  }
  toString = () => "enqueue";
}

class Answer implements Cmd {
  constructor(
    readonly status: 200 | 400 | 500,
    readonly pick: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const list = r.current.inFlight;
    if (!list.length) return;
    const [req] = list.splice(this.pick % list.length, 1);
    answer(m, req as Request, this.status);
    await ticks();
    checkNoDuplicate(m);
  }
  toString = () => `answer ${this.status} #${this.pick}`;
}

class Kill implements Cmd {
  constructor(
    readonly torn: number,
    readonly reached: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const old = r.current;
    // SIGKILL: what is on disk now is all the next process gets (plus, maybe, half a line being written).
    let bytes: Buffer;
    try {
      bytes = readFileSync(old.path);
    } catch {
      bytes = Buffer.alloc(0);
    }
    old.dead = true;
    const next = join(r.dir, `outbox-${r.gens++}.jsonl`);
    const half = `{"op":"add","id":"torn","feedback_type_id":1,"completion_id":"c0","feedback":{},"ref":${ITEMS + 1}}\n`.slice(0, this.torn);
    writeFileSync(next, this.torn ? Buffer.concat([bytes, Buffer.from(half)]) : bytes);
    // Requests in flight at the kill: the server may have got them (or not). Nobody will read the answer.
    for (const req of old.inFlight.splice(0)) {
      if (this.reached) log(m, req.ref);
      req.fail(new TypeError("fetch failed: the process is gone"));
    }
    void old.queue.stop().catch(() => undefined); // lets the dead generation's promises settle; it sends nothing
    await start(r, m, next);
    checkNoDuplicate(m);
  }
  toString = () => `kill (torn ${this.torn}, in-flight ${this.reached ? "reached" : "lost"})`;
}

class Restart implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const gen = r.current;
    // stop() lets requests in flight finish (answered 200 here, including one a worker is just starting),
    // and keeps the rest in the outbox.
    gen.autoAnswer = true;
    for (const req of gen.inFlight.splice(0)) answer(m, req, 200);
    await gen.queue.stop();
    await start(r, m, gen.path);
    checkNoDuplicate(m);
  }
  toString = () => "restart";
}

class Drain implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const gen = r.current;
    gen.autoAnswer = true;
    for (const req of gen.inFlight.splice(0)) answer(m, req, 200);
    await gen.queue.flush(); // everything settles, then the outbox is compacted
    gen.autoAnswer = false;
    checkNoDuplicate(m);
  }
  toString = () => "drain (flush + compact)";
}

class Compact implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.current.store.compact();
    await ticks();
  }
  toString = () => "compact";
}

class RetryDefinitive implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.current.queue.retryFailed((f) => !f.deliveryUnknown); // 400s: never logged, safe to send again
    await ticks();
  }
  toString = () => "retryFailed(definitive)";
}

const commands = [
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.constant(new Enqueue()),
  fc.tuple(fc.constantFrom(200 as const, 200 as const, 400 as const, 500 as const), fc.nat(7)).map(([s, i]) => new Answer(s, i)),
  fc.tuple(fc.constantFrom(200 as const, 400 as const, 500 as const), fc.nat(7)).map(([s, i]) => new Answer(s, i)),
  fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })), fc.boolean()).map(([t, reached]) => new Kill(t, reached)),
  fc.constant(new Restart()),
  fc.constant(new Drain()),
  fc.constant(new Compact()),
  fc.constant(new RetryDefinitive()),
];

it("outbox model: no item is ever sent twice, and none is lost, across kills, torn writes, compactions and re-runs", { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ concurrency: fc.integer({ min: 1, max: 3 }), compactAtBytes: fc.constantFrom(1, 600, 4 * 1024 * 1024) }),
      fc.commands(commands, { maxCommands: 40 }),
      async (config, cmds) => {
        const dir = await mkdtemp(join(tmpdir(), "paradigm-outbox-model-"));
        const m: Model = { cursor: 0, logged: new Map(), delivered: new Set() };
        const real = { dir, config, gens: 1 } as Real;
        try {
          await start(real, m, join(dir, "outbox-0.jsonl"));
          await fc.asyncModelRun(() => ({ model: m, real }), cmds);

          // The end: a last restart and re-run of the whole list, every request answered 200.
          await new Restart().run(m, real);
          const last = real.current;
          last.autoAnswer = true;
          for (const req of last.inFlight.splice(0)) answer(m, req, 200); // resumed items, sent during the start
          for (let ref = m.cursor + 1; ref <= ITEMS; ref++) await last.queue.enqueue(1, `c${ref}`, { value: ref % 5 }, { ref });
          await last.queue.close();
          checkNoDuplicate(m);
          const held = last.queue.failed().map((f) => f.item.ref as number);
          expect(new Set(held).size).toBe(held.length); // each held once
          expect(last.queue.counts.failed + last.queue.counts.unknown).toBe(held.length);
          const lost = Array.from({ length: ITEMS }, (_, i) => i + 1).filter((ref) => !m.delivered.has(ref) && !held.includes(ref));
          expect(lost, "items neither delivered nor held").toEqual([]);
        } finally {
          await real.current?.queue.stop().catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 100, timeout: 5_000 },
  );
});
