// Starts the Django REST framework reference upstream (test/reference-server/serve.py) for tests: DRF 3.14 and
// drf-spectacular 0.25 from Debian's packages, run by /usr/bin/python3 (a pyenv `python3` on PATH lacks Django).
// It binds 127.0.0.1 with port 0 and reports its URL on stdout; close() kills its process group. It also exits
// by itself when its stdin closes, so a test runner killed outright leaves no server behind.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PYTHON = process.env.PARADIGM_REF_PYTHON ?? "/usr/bin/python3";
export const SERVER_DIR = fileURLToPath(new URL(".", import.meta.url));
/** The key the server accepts unless `keys` says otherwise. */
export const REFERENCE_KEY = "sk-reference-test";

export interface ReferenceOptions {
  /** Every Nth rate request is throttled by DRF (429 + Retry-After). @default 0 (never) */
  throttleEvery?: number;
  /** Seconds in DRF's Retry-After. @default 1 */
  retryAfter?: number;
  /** The rate view answers 201 with a JSON body, which the published contract does not allow. @default false */
  deviant?: boolean;
  /** Also serve the next version's operations (test/fixtures/drf-next-spec.yaml). @default false */
  next?: boolean;
  /** API keys accepted as `Authorization: Bearer <key>`. @default [REFERENCE_KEY] */
  keys?: string[];
  /** Log each request line to stderr. @default false */
  log?: boolean;
}

/** One stored feedback, exactly as Django saved it (nulls included). */
export interface StoredFeedback {
  id: number;
  feedback_type_id: number;
  completion_id: string;
  value: number | null;
  flag: boolean | null;
  comment: string | null;
  tag: string | null;
}

/** Switches that reset() may change for the next test; left out = as started. */
export interface ResetOptions {
  throttleEvery?: number;
  retryAfter?: number;
  deviant?: boolean;
}

export interface ReferenceServer {
  url: string;
  /** How long start-up took (spawn to ready), in ms. */
  startupMs: number;
  /** Deletes stored feedbacks and completions, restarts the throttle count, and applies `options`. */
  reset(options?: ResetOptions): Promise<void>;
  stored(): Promise<StoredFeedback[]>;
  close(): Promise<void>;
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`reference server did not start: ${why}\n${err.trim()}`));
    };
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        fail(`unreadable line ${JSON.stringify(line)}`);
      }
    });
    child.once("error", (e) => fail(e.message));
    child.once("exit", (code, signal) => fail(`exited (${signal ?? code})`));
  });
}

export async function startReference(opts: ReferenceOptions = {}): Promise<ReferenceServer> {
  const started = performance.now();
  const child = spawn(PYTHON, [`${SERVER_DIR}serve.py`], {
    cwd: SERVER_DIR,
    // Its own process group, so close() ends the server and any thread or child it has.
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: "1",
      PARADIGM_REF_KEYS: (opts.keys ?? [REFERENCE_KEY]).join(","),
      PARADIGM_REF_THROTTLE_EVERY: String(opts.throttleEvery ?? 0),
      PARADIGM_REF_RETRY_AFTER: String(opts.retryAfter ?? 1),
      PARADIGM_REF_DEVIANT: opts.deviant ? "1" : "0",
      PARADIGM_REF_NEXT: opts.next ? "1" : "0",
      PARADIGM_REF_LOG: opts.log ? "1" : "0",
    },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  let url: string;
  try {
    url = await waitForUrl(child, 30_000);
  } catch (e) {
    kill();
    throw e;
  }
  const startupMs = Math.round(performance.now() - started);
  // Keep stderr flowing (a full pipe would block the server); show it only when asked.
  child.stderr?.on("data", (d: Buffer) => {
    if (opts.log) process.stderr.write(d);
  });

  const call = async (path: string, init?: RequestInit): Promise<Response> => {
    const res = await fetch(`${url}${path}`, init);
    if (!res.ok) throw new Error(`reference server ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    url,
    startupMs,
    async reset(o: ResetOptions = {}) {
      const body = { throttle_every: o.throttleEvery, retry_after: o.retryAfter, deviant: o.deviant };
      await (await call("/_test/reset", { method: "POST", body: JSON.stringify(body) })).arrayBuffer();
    },
    async stored() {
      return (await (await call("/_test/feedbacks")).json()) as StoredFeedback[];
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      kill();
      await exited;
    },
  };
}
