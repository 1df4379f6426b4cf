// A real crash: a child process SIGKILLed mid-run and restarted against a loopback counting server (load tier).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCountingServer } from "./fixtures/counting-server.ts";
import { outboxFiles } from "./fixtures/outbox-files.ts";

const { fresh, lines } = outboxFiles("paradigm-crash-");

describe("a process killed mid-run (SIGKILL) and restarted", () => {
  const CHILD = join(import.meta.dirname, "fixtures", "queue-child.ts");
  const N = 600;

  function run(args: string[], onStart?: (c: ChildProcess) => void) {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    onStart?.(child);
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      err += d;
    });
    return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal, out, err })),
    );
  }

  interface ChildReport {
    start: number;
    resumed: number;
    resent: number;
    heldUnknown: number;
    interrupted: string[];
    failed: { key: string; unknown: boolean }[];
    counts: Record<string, number>;
  }

  it.each(["hold", "resend"] as const)(
    'inFlightOnRestart "%s": every unsent item is delivered once; only items in flight at the kill are ambiguous',
    { timeout: 60_000 },
    async (mode) => {
      let child: ChildProcess | undefined;
      const server = await startCountingServer({
        holdMs: 5, // keeps a few requests in flight at any moment
        onAccept: (_, total) => {
          if (total === Math.floor(N / 3)) child?.kill("SIGKILL");
        },
      });
      try {
        const path = fresh();
        const killed = await run([path, server.url, String(N), mode], (c) => {
          child = c;
        });
        expect(killed.signal).toBe("SIGKILL");
        const beforeRestart = server.accepted;
        expect(beforeRestart).toBeLessThan(N);

        const restarted = await run([path, server.url, String(N), mode]);
        expect(restarted.err).toBe("");
        expect(restarted.code).toBe(0);
        const r = JSON.parse(restarted.out) as ChildReport;
        console.log(`crash test (${mode}): killed after ${beforeRestart} accepted; restart: ${JSON.stringify({ ...r, interrupted: r.interrupted.length })}`);

        const all = Array.from({ length: N }, (_, i) => `1/c${i}`);
        const interrupted = new Set(r.interrupted);
        // The kill came while the server held the request that triggered it: at least that one was in flight.
        expect(interrupted.size).toBeGreaterThanOrEqual(1);
        expect(interrupted.size).toBeLessThanOrEqual(8); // never more than the concurrency
        expect(r.resumed + r.start).toBeGreaterThan(beforeRestart); // the restart had work left
        for (const key of all) {
          const count = server.counts.get(key) ?? 0;
          if (!interrupted.has(key))
            expect.soft(count, key).toBe(1); // never sent twice, never lost
          else if (mode === "resend")
            expect.soft(count, key).toBeGreaterThanOrEqual(1); // at least once
          else expect.soft(count, key).toBeLessThanOrEqual(1); // at most once
        }
        if (mode === "hold") {
          expect(r.failed.map((f) => f.key).sort()).toEqual([...interrupted].sort());
          expect(r.failed.every((f) => f.unknown)).toBe(true);
          expect(r.counts).toMatchObject({ delivered: N - r.start + r.resumed, unknown: interrupted.size, failed: 0 });
        } else {
          expect(r.failed).toEqual([]);
          expect(r.resent).toBe(interrupted.size);
        }
        // Compacted on close: only the held items remain.
        expect(lines(path).filter((l) => l.op === "add")).toHaveLength(mode === "hold" ? interrupted.size : 0);
      } finally {
        await server.close();
      }
    },
  );
});
