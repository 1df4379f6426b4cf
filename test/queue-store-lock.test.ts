// The outbox lock's take-over of a dead process's lock, when two takers race for it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParadigmStoreError } from "../src/queue/store.ts";
import { takeLock } from "../src/queue/store-lock.ts";

describe("outbox lock", () => {
  it("does not delete a live lock that another taker made from the same stale one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "paradigm-lock-"));
    const lock = join(dir, "outbox.jsonl.lock");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(lock, String(dead));
    // A reads the dead pid, then stalls; B reads it too, takes the lock over and holds it.
    let reached!: () => void;
    const atRead = new Promise<void>((r) => {
      reached = r;
    });
    let resume!: () => void;
    const gate = new Promise<void>((r) => {
      resume = r;
    });
    const a = takeLock(lock, "outbox.jsonl", {
      afterStaleRead: () => {
        reached();
        return gate;
      },
    });
    await atRead;
    await takeLock(lock, "outbox.jsonl"); // B
    expect(readFileSync(lock, "utf8")).toBe(String(process.pid));
    resume();
    // A must now see B's live lock, not remove it and take a second one.
    await expect(a).rejects.toThrow(ParadigmStoreError);
    await expect(a).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    expect(readFileSync(lock, "utf8")).toBe(String(process.pid));
  });
});
