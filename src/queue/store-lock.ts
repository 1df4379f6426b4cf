// The outbox's lock, apart from the log: a `<path>.lock` file holding the owner's pid keeps two live
// processes off one log; a lock whose pid is dead is taken over.
import { open, readFile, rm } from "node:fs/promises";
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
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fh = await open(lock, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number.parseInt(await readFile(lock, "utf8").catch(() => ""), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new ParadigmStoreError(`The outbox ${path} is in use by process ${pid} (lock ${lock}). One queue per outbox.`);
      }
      await hooks.afterStaleRead?.();
      await rm(lock, { force: true }); // left by a process that died; take it over
    }
  }
  throw new ParadigmStoreError(`Could not take the lock ${lock}.`);
}

export function releaseLock(lock: string): Promise<void> {
  return rm(lock, { force: true });
}
