// The durable outbox: what a restart resumes, holds or drops, the torn-tail and lock rules and compaction.
// A real crash (a child process SIGKILLed mid-run) is in queue-crash.test.ts, in the load tier.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";
import { createFeedbackQueue, fileStore, ParadigmRestoredError, ParadigmStoreError } from "../src/queue/index.ts";
import { outboxFiles } from "./fixtures/outbox-files.ts";

const { fresh, lines } = outboxFiles("paradigm-outbox-");

/** A client whose fetch answers 200 and records the completion ids it saw. */
function okClient() {
  const sent: string[] = [];
  const client = createParadigmClient({
    apiKey: "k",
    baseUrl: "http://127.0.0.1:1",
    fetch: async (input) => {
      sent.push(decodeURIComponent(String(input).split("/").pop() as string));
      return new Response(null, { status: 200 });
    },
  });
  return { sent, client };
}

describe("fileStore", () => {
  it("restores unsent, in-flight and failed items, and forgets delivered ones", async () => {
    const path = fresh();
    const s = fileStore(path);
    await s.open();
    const add = (id: string, ref: number) => s.append({ op: "add", id, feedback_type_id: 1, completion_id: id, feedback: { value: ref }, ref });
    await add("a", 1);
    await add("b", 2);
    await add("c", 3);
    await add("d", 4);
    await s.append({ op: "send", id: "a" });
    await s.append({ op: "done", id: "a" });
    await s.append({ op: "send", id: "b" }); // crash here: b is in flight
    await s.append({ op: "send", id: "c" });
    await s.append({ op: "fail", id: "c", error: { name: "NotFoundError", message: "404 Not Found", status: 404, deliveryUnknown: false } });
    await s.append({ op: "send", id: "d" });
    await s.append({ op: "back", id: "d" }); // a 429: never logged, pending again
    await s.close();

    const reopened = fileStore(path);
    const snap = await reopened.open();
    await reopened.close();
    expect(snap.lastRef).toBe(4);
    expect(snap.items.map((i) => [i.id, i.state, i.error?.status])).toEqual([
      ["b", "sending", undefined],
      ["c", "failed", 404],
      ["d", "pending", undefined],
    ]);
  });

  it("drops a torn last line (a crash mid-write) and appends cleanly after it", async () => {
    const path = fresh();
    writeFileSync(path, '{"op":"add","id":"a","feedback_type_id":1,"completion_id":"a","feedback":{}}\n{"op":"send","i');
    const s = fileStore(path);
    expect((await s.open()).items.map((i) => [i.id, i.state])).toEqual([["a", "pending"]]);
    await s.append({ op: "done", id: "a" });
    await s.close();
    expect(lines(path).map((l) => l.op)).toEqual(["add", "done"]);
    const reopened = fileStore(path);
    expect((await reopened.open()).items).toEqual([]);
    await reopened.close();
  });

  it("refuses a log with a corrupt line in the middle rather than guessing", async () => {
    const path = fresh();
    writeFileSync(path, 'not json\n{"op":"done","id":"x"}\n');
    await expect(fileStore(path).open()).rejects.toThrow(ParadigmStoreError);
    expect(existsSync(`${path}.lock`)).toBe(false); // a failed open leaves no lock behind
  });

  it.each([
    ["another program's JSONL", '{"user":"alice","score":5}\n{"user":"bob","score":3}\n'],
    ["ratings in the API's shape", '{"feedback_type_id":3,"completion_id":"keep-1","flag":true}\n'],
    ["JSON that is not an object", "5\nnull\n"],
    ["records with an unknown op or no id", '{"op":"add","feedback_type_id":1}\n{"op":"wipe","id":"1"}\n'],
  ])("refuses %s as an outbox and leaves the file as it was (a queue never compacts it away)", async (_, text) => {
    const path = fresh();
    writeFileSync(path, text);
    await expect(fileStore(path).open()).rejects.toThrow(/is corrupt at line 1; it was not written by this library/);
    const queue = createFeedbackQueue(okClient().client, { store: fileStore(path) });
    await expect(queue.ready()).rejects.toThrow(ParadigmStoreError);
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("keeps a second live process off the same outbox, and takes over a lock left by a dead one", async () => {
    const path = fresh();
    const a = fileStore(path);
    await a.open();
    await expect(fileStore(path).open()).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    await a.close();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(`${path}.lock`, String(dead));
    const b = fileStore(path);
    await expect(b.open()).resolves.toMatchObject({ items: [] });
    await b.close();
  });

  it("compacts to the live items, the metadata and the last ref", async () => {
    const path = fresh();
    const s = fileStore(path);
    await s.open();
    await s.append({ op: "meta", meta: { source: "x.csv" } });
    for (let i = 0; i < 50; i++) await s.append({ op: "add", id: `i${i}`, feedback_type_id: 1, completion_id: `c${i}`, feedback: {}, ref: i });
    for (let i = 0; i < 49; i++) await s.append({ op: "done", id: `i${i}` });
    await s.compact();
    await s.append({ op: "send", id: "i49" });
    await s.close();
    // The cursor comes after the re-written items, so replaying them cannot move it back.
    expect(lines(path)).toEqual([
      { op: "add", id: "i49", feedback_type_id: 1, completion_id: "c49", feedback: {}, ref: 49 },
      { op: "meta", meta: { source: "x.csv" }, lastRef: 49 },
      { op: "send", id: "i49" },
    ]);
  });
});

describe("a queue with an outbox", () => {
  it("writes each item before sending it, and leaves only failures after close()", async () => {
    const path = fresh();
    const client = createParadigmClient({
      apiKey: "k",
      baseUrl: "http://127.0.0.1:1",
      fetch: async (input) => new Response(null, { status: String(input).endsWith("/bad") ? 404 : 200 }),
    });
    const q = createFeedbackQueue(client, { store: fileStore(path) });
    await q.enqueue(1, "good", { flag: true });
    await q.enqueue(1, "bad", { flag: false });
    await q.close();
    const left = lines(path);
    expect(left.map((l) => l.op)).toEqual(["add", "fail"]);
    expect(left[0]).toMatchObject({ completion_id: "bad", feedback: { flag: false } });
  });

  it("resumes what stop() left, in a new queue on the same outbox", async () => {
    const path = fresh();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const first = createFeedbackQueue(
      createParadigmClient({
        apiKey: "k",
        baseUrl: "http://127.0.0.1:1",
        fetch: async () => {
          await held;
          return new Response(null, { status: 200 });
        },
      }),
      { store: fileStore(path), concurrency: 1 },
    );
    for (let i = 0; i < 5; i++) await first.enqueue(1, `c${i}`, { value: i });
    const stopping = first.stop();
    release();
    const left = await stopping;
    expect(left).toHaveLength(4);

    const { sent, client } = okClient();
    const second = createFeedbackQueue(client, { store: fileStore(path) });
    await expect(second.ready()).resolves.toMatchObject({ resumed: 4, heldUnknown: 0, resent: 0 });
    await second.close();
    expect(sent.sort()).toEqual(["c1", "c2", "c3", "c4"]);
  });

  it.each([
    ["hold", 0, 1],
    ["resend", 1, 0],
  ] as const)('after a crash, inFlightOnRestart "%s" resends %i and holds %i in-flight item', async (mode, resent, held) => {
    const path = fresh();
    const s = fileStore(path);
    await s.open();
    await s.append({ op: "add", id: "x", feedback_type_id: 2, completion_id: "inflight", feedback: { flag: true } });
    await s.append({ op: "send", id: "x" });
    await s.close(); // as a crash would leave it

    const { sent, client } = okClient();
    const q = createFeedbackQueue(client, { store: fileStore(path), inFlightOnRestart: mode });
    const report = await q.ready();
    expect(report).toMatchObject({ resent, heldUnknown: held });
    expect(report.interrupted.map((i) => i.completionId)).toEqual(["inflight"]);
    await q.close();
    expect(sent).toEqual(resent ? ["inflight"] : []);
    if (held) {
      expect(q.counts.unknown).toBe(1);
      expect(q.failed()[0]?.error).toBeInstanceOf(ParadigmRestoredError);
      expect(q.failed()[0]?.error.deliveryUnknown).toBe(true);
      // Still held on the next start, not silently dropped.
      const again = createFeedbackQueue(okClient().client, { store: fileStore(path) });
      await expect(again.ready()).resolves.toMatchObject({ failed: 1, heldUnknown: 0 });
      await again.close();
    }
  });
});

describe("lastRef, the cursor a re-run resumes after (issue 11, finding 1)", () => {
  const failure = (status: number) => ({ name: "ParadigmAPIError", message: `${status}`, status, deliveryUnknown: status >= 500 });

  it("stays at the highest ref accepted after compaction re-writes held items with lower refs", async () => {
    const path = fresh();
    const s = fileStore(path);
    await s.open();
    for (let ref = 1; ref <= 5; ref++) await s.append({ op: "add", id: `i${ref}`, feedback_type_id: 1, completion_id: `c${ref}`, feedback: {}, ref });
    for (const ref of [1, 3, 5]) await s.append({ op: "done", id: `i${ref}` });
    await s.append({ op: "fail", id: "i2", error: failure(400) });
    await s.append({ op: "fail", id: "i4", error: failure(500) });
    await s.compact();
    await s.close();
    const reopened = fileStore(path);
    const snap = await reopened.open();
    await reopened.close();
    expect(snap.lastRef).toBe(5);
    expect(snap.items.map((i) => [i.ref, i.state])).toEqual([
      [2, "failed"],
      [4, "failed"],
    ]);
  });

  it("reads a checkpoint compacted by an earlier version (meta line first) without lowering lastRef", async () => {
    const path = fresh();
    const add = (ref: number) => ({ op: "add", id: `i${ref}`, feedback_type_id: 1, completion_id: `c${ref}`, feedback: {}, ref });
    writeFileSync(
      path,
      [
        { op: "meta", meta: { source: "x" }, lastRef: 200 },
        add(17),
        { op: "fail", id: "i17", error: failure(400) },
        add(150),
        { op: "fail", id: "i150", error: failure(500) },
      ]
        .map((l) => `${JSON.stringify(l)}\n`)
        .join(""),
    );
    const s = fileStore(path);
    const snap = await s.open();
    await s.close();
    expect(snap.lastRef).toBe(200);
    expect(snap.items.map((i) => i.ref)).toEqual([17, 150]);
  });

  /** A client that answers 400 for the refs in `bad`, 500 for those in `unknown`, 200 otherwise; counts sends per completion. */
  function statusClient(bad: Set<number>, unknown: Set<number>) {
    const sent = new Map<string, number>();
    const client = createParadigmClient({
      apiKey: "k",
      baseUrl: "http://127.0.0.1:1",
      fetch: async (input) => {
        const id = decodeURIComponent(String(input).split("/").pop() as string);
        sent.set(id, (sent.get(id) ?? 0) + 1);
        const ref = Number(id.slice(1));
        return new Response(null, { status: bad.has(ref) ? 400 : unknown.has(ref) ? 500 : 200 });
      },
    });
    return { sent, client };
  }

  /** One run of the documented idempotent pattern: enqueue refs 1..n after ready().lastRef, then close. */
  async function run(path: string, client: ReturnType<typeof statusClient>["client"], n: number, retryUnknown = false) {
    const q = createFeedbackQueue(client, { store: fileStore(path), concurrency: 4 });
    const { lastRef } = await q.ready();
    if (retryUnknown) await q.retryFailed((f) => f.deliveryUnknown);
    for (let ref = typeof lastRef === "number" ? lastRef + 1 : 1; ref <= n; ref++) await q.enqueue(1, `c${ref}`, { value: ref % 5 }, { ref });
    await q.close();
    return { lastRef, counts: q.counts };
  }

  it("a finished run with held 400s and 500s re-run three times sends no delivered item again", async () => {
    const N = 200;
    const bad = new Set([13, 77, 140, 199]);
    const unknown = new Set([5, 90, 160]);
    const { sent, client } = statusClient(bad, unknown);
    const path = fresh();
    await run(path, client, N);
    for (let i = 0; i < 2; i++) expect((await run(path, client, N)).lastRef).toBe(N);
    const twice = [...sent].filter(([, n]) => n > 1).map(([id]) => id);
    expect(twice).toEqual([]);
    expect(sent.size).toBe(N);
  });

  it("retrying the unknown items resends only those, never a delivered one", async () => {
    const N = 300;
    const unknown = new Set([3, 150, 151, 290]);
    const { sent, client } = statusClient(new Set([7, 200]), unknown);
    const path = fresh();
    await run(path, client, N);
    const second = await run(path, client, N, true);
    expect(second.lastRef).toBe(N);
    expect(second.counts).toMatchObject({ delivered: 0, unknown: unknown.size, failed: 2 });
    const twice = [...sent].filter(([, n]) => n > 1).map(([id]) => Number(id.slice(1)));
    expect(twice.sort((a, b) => a - b)).toEqual([...unknown]);
    expect((await run(path, client, N)).lastRef).toBe(N);
  });
});

describe("outbox size (issue 11, finding 11)", () => {
  it("compacts while running, so the file stays proportional to the unsettled items, not to all items ever sent", async () => {
    const path = fresh();
    const compactAtBytes = 32 * 1024;
    const bad = new Set([100, 2500, 4900]); // held for good: they stay live to the end
    const client = createParadigmClient({
      apiKey: "k",
      baseUrl: "http://127.0.0.1:1",
      fetch: async (input) => new Response(null, { status: bad.has(Number(String(input).split("/c").pop())) ? 400 : 200 }),
    });
    const q = createFeedbackQueue(client, { store: fileStore(path, { fsync: false, compactAtBytes }), concurrency: 8, maxQueued: 100 });
    const comment = "x".repeat(100);
    let largest = 0;
    const window = new Set<Promise<unknown>>();
    for (let ref = 1; ref <= 5000; ref++) {
      const p = q.enqueue(1, `c${ref}`, { comment }, { ref });
      window.add(p);
      void p.finally(() => window.delete(p));
      if (window.size >= 64) await Promise.race(window);
      if (ref % 50 === 0) largest = Math.max(largest, existsSync(path) ? statSync(path).size : 0);
    }
    await Promise.all(window);
    await q.close();
    // ~5000 × ~220 bytes written in all; at most maxQueued + 3 items live at once (~200 bytes each in a compacted file).
    expect(largest).toBeLessThan(compactAtBytes + 4 * 103 * 250);
    expect(lines(path).filter((l) => l.op === "add")).toHaveLength(3);
    const reopened = fileStore(path);
    expect((await reopened.open()).lastRef).toBe(5000);
    await reopened.close();
  });

  it("refuses a compactAtBytes that is not a positive number", () => {
    expect(() => fileStore(fresh(), { compactAtBytes: 0 })).toThrow(/compactAtBytes must be a positive number/);
  });

  it("replays a log larger than one read chunk, with multi-byte text split across chunks, and cuts a torn tail", async () => {
    const path = fresh();
    const comment = "é€😀".repeat(40); // 2-, 3- and 4-byte UTF-8: chunk edges fall inside characters
    const out: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      out.push(JSON.stringify({ op: "add", id: `i${i}`, feedback_type_id: 1, completion_id: `c${i}`, feedback: { comment }, ref: i }));
      if (i % 1000 !== 7) out.push(JSON.stringify({ op: "done", id: `i${i}` }));
    }
    // One line longer than the read buffer, too.
    out.push(
      JSON.stringify({ op: "add", id: "long", feedback_type_id: 1, completion_id: "long", feedback: { comment: "l".repeat(3 * 2 ** 20) }, ref: 12_000 }),
    );
    writeFileSync(path, `${out.join("\n")}\n{"op":"done","id":"i7`); // > 6 MiB, then a torn line
    const s = fileStore(path);
    const snap = await s.open();
    await s.close();
    expect(snap.lastRef).toBe(12_000);
    expect(snap.items.map((i) => i.ref)).toEqual([...Array.from({ length: 12 }, (_, k) => k * 1000 + 7), 12_000]);
    expect(snap.items.slice(0, 12).every((i) => i.feedback.comment === comment)).toBe(true);
    expect(snap.items[12]?.feedback.comment).toHaveLength(3 * 2 ** 20);
    expect(readFileSync(path, "utf8").endsWith("}\n")).toBe(true);
  });
});

describe("held items restored by ready() (issue 11, finding 12)", () => {
  it("calls onError once for each item ready() restores as held, with a ParadigmRestoredError", async () => {
    const path = fresh();
    const s = fileStore(path);
    await s.open();
    const add = (id: string, ref: number) => s.append({ op: "add", id, feedback_type_id: 1, completion_id: id, feedback: {}, ref });
    await add("refused", 1);
    await s.append({ op: "send", id: "refused" });
    await s.append({ op: "fail", id: "refused", error: { name: "BadRequestError", message: "400 Bad Request", status: 400, deliveryUnknown: false } });
    await add("lost-answer", 2);
    await s.append({ op: "send", id: "lost-answer" });
    await s.append({ op: "fail", id: "lost-answer", error: { name: "InternalServerError", message: "500", status: 500, deliveryUnknown: true } });
    await add("in-flight", 3);
    await s.append({ op: "send", id: "in-flight" }); // the process died here
    await add("unsent", 4);
    await s.close();

    const calls: [string, string, boolean, number | undefined][] = [];
    const { client } = okClient();
    const q = createFeedbackQueue(client, {
      store: fileStore(path),
      onError: (item, error) => {
        expect(error).toBeInstanceOf(ParadigmRestoredError);
        calls.push([item.completionId, (error as ParadigmRestoredError).originalName, error.deliveryUnknown, (error as ParadigmRestoredError).status]);
      },
    });
    await q.ready();
    expect(calls).toEqual([
      ["refused", "BadRequestError", false, 400],
      ["lost-answer", "InternalServerError", true, 500],
      ["in-flight", "Interrupted", true, undefined],
    ]);
    const outcomes = await Promise.all(q.failed().map((f) => f.item.outcome));
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "unknown", "unknown"]);
    await q.close(); // delivers "unsent"; the held ones are not reported again
    expect(calls).toHaveLength(3);
  });
});

describe("compaction's temporary files", () => {
  it("removes a compaction file left by a process killed mid-compaction, and nothing else", async () => {
    const path = fresh();
    const stale = `${path}.0a1b2c3d.tmp`;
    const other = `${path}.notes.tmp`;
    writeFileSync(stale, '{"op":"add"');
    writeFileSync(other, "mine");
    const s = fileStore(path);
    await s.open();
    await s.close();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(other)).toBe(true);
  });
});
