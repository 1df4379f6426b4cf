// A second Ctrl-C quits an import at once, without waiting for the requests in flight. With --json, stdout must
// still hold one JSON object (the summary so far), as on every other exit: a script reading it must not get nothing.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runMain, spawnCli } from "./fixtures/spawn-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "paradigm-cli-quit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
};

it("import --json: a second Ctrl-C while a request hangs prints one JSON summary (interrupted) and exits 130", { timeout: 60_000 }, async () => {
  // Every rating is accepted at once except q-200's, which never gets an answer.
  const hung: ServerResponse[] = [];
  let accepted = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.endsWith("/q-200")) hung.push(res);
      else {
        accepted++;
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const f = join(dir, "quit.csv");
    const rows = Array.from({ length: 400 }, (_, i) => `1,q-${i + 1},true`).join("\n");
    writeFileSync(f, `feedback_type_id,completion_id,flag\n${rows}\n`);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = spawnCli(["import", f, "--json", "--timeout-ms", "60000", "-q"], { PARADIGM_API_KEY: "quit-key", PARADIGM_BASE_URL: url });
    await until(() => hung.length === 1 && accepted === 399);
    run.kill("SIGINT");
    await until(() => /interrupting/.test(run.err()));
    await new Promise((r) => setTimeout(r, 2000)); // the first Ctrl-C waits for the hung request
    expect(run.exitCode()).toBeNull();
    run.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const lines = r.stdout.trim().split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(s).toMatchObject({ file: f, interrupted: true, delivered: 399, inFlight: 1 });
    expect(r.stdout).not.toContain("quit-key");
  } finally {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

it("rate --json: a second Ctrl-C before the answer prints one JSON object, and nothing after it", async () => {
  const hung: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    hung.push(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ctl = new AbortController();
    const quit = new AbortController();
    const done = runMain(
      ["rate", "--type", "1", "--completion", "c", "--flag", "true", "--json"],
      { PARADIGM_API_KEY: "k", PARADIGM_BASE_URL: url },
      {
        signal: ctl.signal,
        quit: quit.signal,
      },
    );
    await until(() => hung.length === 1);
    ctl.abort();
    quit.abort();
    const r = await done; // in a real process, exit follows at once; here the aborted request ends the command
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ outcome: "interrupted", exitCode: 130 });
  } finally {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
