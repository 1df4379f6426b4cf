// The outbox's lock, apart from the log: a `<path>.lock` file holding the owner's pid keeps two live
// processes off one log; a lock whose pid is dead is taken over.
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, rm } from "node:fs/promises";
import { ParadigmStoreError } from "./store.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Test seam: lets a test stop a taker between reading a stale pid and taking the lock over. */
export interface LockHooks {
  afterStaleRead?: () => Promise<void>;
}

/** Takes `lock` for the outbox at `path`, or throws ParadigmStoreError naming the live process that holds it. */
export async function takeLock(lock: string, path: string, hooks: LockHooks = {}): Promise<void> {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(lock, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const held = await readFile(lock, "utf8").catch(() => "");
      const pid = Number.parseInt(held, 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new ParadigmStoreError(`The outbox ${path} is in use by process ${pid} (lock ${lock}). One queue per outbox.`);
      }
      await hooks.afterStaleRead?.();
      await dropStale(lock, held);
    }
  }
  throw new ParadigmStoreError(`Could not take the lock ${lock}.`);
}

/**
 * Removes a lock left by a dead process, if it is still the one read (`held`). Two takers may read the same
 * stale lock: removing it by name would let the slower one delete the lock the faster one has just created, and
 * both would hold it. Renaming it aside is atomic, so only one taker moves any given file; the loser gets ENOENT.
 * If what was moved is not the stale lock (another taker's fresh one), it is put back (`link` will not overwrite
 * a lock made meanwhile) and the caller's retry then sees it live.
 */
async function dropStale(lock: string, held: string): Promise<void> {
  const aside = `${lock}.${randomBytes(4).toString("hex")}.stale`;
  try {
    await rename(lock, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // another taker moved it first
    throw e;
  }
  if ((await readFile(aside, "utf8").catch(() => "")) !== held) {
    await link(aside, lock).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  }
  await rm(aside, { force: true });
}

export function releaseLock(lock: string): Promise<void> {
  return rm(lock, { force: true });
}
