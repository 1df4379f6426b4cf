// Options are normalized once, here. Every default is documented with @default on its option and lives in
// CLIENT_DEFAULTS; the checks every entry uses for numeric options and plain-http URLs live here too.
import { sleep } from "../core/delivery.ts";
import { ParadigmConfigError } from "../core/errors.ts";
import type { MediaType } from "../spec/encode.ts";

export type LogLevel = "off" | "error" | "warn" | "info" | "debug";

/** Where log lines go. `console` fits; so does a pino or winston logger. */
export interface Logger {
  error(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  debug(message: string, data?: unknown): void;
}

/** Options that can be set per client and overridden per call. */
export interface RequestOptions {
  /**
   * Time allowed for one attempt, from sending to the last byte of the response, in ms (≥ 1; there is
   * no "no timeout", so a hung server cannot hang a call). Each retry gets a fresh timeout.
   * @default 30000
   */
  timeoutMs?: number | undefined;
  /**
   * Retries after the first attempt, for failures where the server cannot have acted
   * (429, 408, 503 with Retry-After, a connection refused before sending). The rule: src/core/delivery.ts.
   * @default 2
   */
  maxRetries?: number | undefined;
  /**
   * Upper bound on any wait between attempts, including a server's Retry-After, in ms.
   * @default 60000
   */
  maxRetryDelayMs?: number | undefined;
  /**
   * Also retry failures where the server may already have acted (timeout after sending, reset
   * mid-response, 500, 502, 504, 503 without Retry-After). Off by default: Paradigm has no idempotency key, so such a retry
   * can log the same feedback twice.
   * @default false
   */
  retryUnknownDelivery?: boolean | undefined;
  /**
   * Extra headers for this call or client. Names are compared without case: a call's header replaces the
   * client's of the same name, and a body's own Content-Type (form, multipart boundary) replaces both. They
   * cannot replace `Authorization`.
   * @default {}
   */
  headers?: Record<string, string> | undefined;
  /** Abort the call. Aborting rejects with ParadigmAbortError. @default undefined */
  signal?: AbortSignal | undefined;
}

export interface ParadigmClientOptions extends Omit<RequestOptions, "signal"> {
  /**
   * Sent as `Authorization: Bearer <key>`. Never logged, never put in an error.
   * @default process.env.PARADIGM_API_KEY
   */
  apiKey?: string | undefined;
  /**
   * Server origin (and optional path prefix).
   * @default process.env.PARADIGM_BASE_URL, then "https://paradigm.lighton.ai"
   */
  baseUrl?: string | undefined;
  /**
   * The fetch to use. When not set, `globalThis.fetch` is looked up at each request, so a fetch
   * patched after the client was created is still used.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined;
  /**
   * Request body media type for `rate()`. All three are declared by the spec.
   * @default "application/json"
   */
  mediaType?: MediaType | undefined;
  /**
   * Check inputs against the spec before sending. Turning it off sends whatever you pass.
   * @default true
   */
  validate?: boolean | undefined;
  /**
   * Allow sending the key over plain `http://` to a host that is not loopback.
   * @default false
   */
  allowInsecureHttp?: boolean | undefined;
  /**
   * Log verbosity. `Authorization` is always redacted.
   * @default process.env.PARADIGM_LOG, then "off"
   */
  logLevel?: LogLevel | undefined;
  /**
   * Where log lines go. The default writes every level to stderr where there is one (Node, Bun, Deno: via
   * `console.error`, so a command's stdout stays clean) and to the matching `console` method in browsers.
   * @default stderr (console.error) in Node, Bun and Deno; console in browsers
   */
  logger?: Logger | undefined;
  /**
   * Wait function used between retries; tests inject one to observe delays without waiting.
   * @default a setTimeout-based sleep that the call's signal interrupts
   */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

export const DEFAULT_BASE_URL = "https://paradigm.lighton.ai";

/** The defaults of the client's options, as their @default tags state them (those read from the environment aside). */
export const CLIENT_DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 2,
  maxRetryDelayMs: 60_000,
  retryUnknownDelivery: false,
  mediaType: "application/json",
  validate: true,
} as const satisfies Partial<ResolvedOptions>;

export interface ResolvedOptions {
  apiKey: string;
  auth: string;
  baseUrl: string;
  fetch: typeof fetch | undefined;
  headers: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  maxRetryDelayMs: number;
  retryUnknownDelivery: boolean;
  mediaType: MediaType;
  validate: boolean;
  allowInsecureHttp: boolean;
  logLevel: number;
  logger: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

// console.info/debug write to stdout in Node, Bun and Deno, which would mix log lines into a command's output
// (`--json`). console is looked up per line, so a console patched later (a test runner's) is still used.
// No node:process import: the main entry must load in browsers too.
const g = globalThis as { process?: { stderr?: unknown }; Deno?: unknown };
const line =
  (level: keyof Logger) =>
  (m: string, ...d: unknown[]) =>
    (g.process?.stderr || g.Deno ? console.error : console[level])(m, ...d);
const defaultLogger: Logger = { error: line("error"), warn: line("warn"), info: line("info"), debug: line("debug") };

export const LEVELS: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

const env = (name: string): string | undefined => {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;
  } catch {
    return undefined; // Deno without --allow-env throws NotCapable on env reads: treat the variable as unset.
  }
};

/** True for a finite number ≥ `min` (NaN and ±Infinity are not). */
export const isFiniteAtLeast = (v: unknown, min: number): v is number => typeof v === "number" && v >= min && v !== Number.POSITIVE_INFINITY;
/** True for an integer ≥ `min`. */
export const isIntegerAtLeast = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;

/** A finite number ≥ `min`, or `fallback` when not given. Throws ParadigmConfigError naming the option otherwise. */
export function finiteAtLeast(name: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (!isFiniteAtLeast(v, min)) throw new ParadigmConfigError(`${name} must be a finite number ≥ ${min}, got ${String(v)}`);
  return v;
}

/** An integer ≥ `min`, or `fallback` when not given. Throws ParadigmConfigError naming the option otherwise. */
export function integerAtLeast(name: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (!isIntegerAtLeast(v, min)) throw new ParadigmConfigError(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

/** One of `allowed`, or `fallback` when not given. Throws ParadigmConfigError naming the option otherwise. */
export function oneOf<T extends string>(name: string, v: T | undefined, fallback: T, allowed: readonly T[]): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v)) throw new ParadigmConfigError(`${name} must be ${allowed.map((a) => JSON.stringify(a)).join(" or ")}, got ${String(v)}`);
  return v;
}

/**
 * Sets `from` over `into` with Headers semantics: names compared without case (kept lowercased, as fetch sends
 * them), a later value replacing an earlier one rather than joining it. Any spelling of Authorization is
 * dropped: the key's header is set by the transport alone. A plain record rather than Headers, so a value fetch
 * refuses (a line break) fails at the request, as a ParadigmConfigError, not here.
 */
export function mergeHeaders(into: Record<string, string>, from: Record<string, string> | undefined): Record<string, string> {
  for (const [k, v] of Object.entries(from ?? {})) {
    const name = k.toLowerCase();
    if (name !== "authorization") into[name] = v;
  }
  return into;
}

/** Checks per-call overrides and merges them over the client's options. */
export function mergeRequestOptions(base: ResolvedOptions, o: RequestOptions | undefined): ResolvedOptions {
  if (!o) return base;
  return {
    ...base,
    // 0 would fail every attempt at once; "no timeout" is not offered, so a hung server cannot hang a call.
    timeoutMs: finiteAtLeast("timeoutMs", o.timeoutMs, base.timeoutMs, 1),
    // A fraction is rounded down, as it always was: 2.5 retries are 2.
    maxRetries: Math.floor(finiteAtLeast("maxRetries", o.maxRetries, base.maxRetries, 0)),
    maxRetryDelayMs: finiteAtLeast("maxRetryDelayMs", o.maxRetryDelayMs, base.maxRetryDelayMs, 0),
    retryUnknownDelivery: o.retryUnknownDelivery ?? base.retryUnknownDelivery,
    headers: o.headers ? mergeHeaders({ ...base.headers }, o.headers) : base.headers,
  };
}

/** Normalizes client options once. Throws ParadigmConfigError, before anything is sent, when they are unusable. */
export function resolveOptions(o: ParadigmClientOptions = {}): ResolvedOptions {
  const apiKey = o.apiKey ?? env("PARADIGM_API_KEY");
  if (!apiKey) {
    throw new ParadigmConfigError("Missing API key: pass `apiKey` to createParadigmClient() or set PARADIGM_API_KEY. Nothing was sent.");
  }
  // Checked so a stray newline fails here with a clear message, not deep inside fetch. The key itself is never echoed.
  if (typeof apiKey !== "string" || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new ParadigmConfigError("The API key must be printable ASCII with no spaces or line breaks (check PARADIGM_API_KEY for a trailing newline).");
  }
  const allowInsecureHttp = o.allowInsecureHttp ?? false;
  const baseUrl = checkBaseUrl(o.baseUrl ?? env("PARADIGM_BASE_URL") ?? DEFAULT_BASE_URL, allowInsecureHttp);
  const level = o.logLevel ?? (env("PARADIGM_LOG")?.toLowerCase() as LogLevel | undefined) ?? "off";
  if (!Object.hasOwn(LEVELS, level)) throw new ParadigmConfigError(`logLevel must be one of ${Object.keys(LEVELS).join(", ")}, got ${String(level)}`);
  const headers = mergeHeaders({}, o.headers);
  const base: ResolvedOptions = {
    ...CLIENT_DEFAULTS,
    apiKey,
    auth: `Bearer ${apiKey}`,
    baseUrl,
    fetch: o.fetch,
    headers,
    mediaType: o.mediaType ?? CLIENT_DEFAULTS.mediaType,
    validate: o.validate ?? CLIENT_DEFAULTS.validate,
    allowInsecureHttp,
    logLevel: LEVELS[level],
    logger: o.logger ?? defaultLogger,
    sleep: o.sleep ?? sleep,
  };
  const { headers: _merged, ...rest } = o;
  return mergeRequestOptions(base, rest);
}

/** Hides the user info of every URL in `text` (`http://user:pw@host` → `http://***@host`). */
export const redactUrl = (text: string): string => text.replace(/((?:^|[^\w+.-])[a-z][\w+.-]*:?\/\/|^)[^\s/?#@]*@/gi, "$1***@");

/**
 * Checks a base URL and returns it without trailing slashes. Throws ParadigmConfigError (credentials redacted)
 * for what fetch would refuse or send elsewhere: user info, a query or fragment (the API path would land in it),
 * or a key about to travel over plain http to a remote host.
 */
export function checkBaseUrl(raw: string, allowInsecureHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ParadigmConfigError(`baseUrl is not an absolute URL: ${JSON.stringify(redactUrl(String(raw)).replace(/[?#]\S*/, "?…"))}`);
  }
  // Nothing after ? or #: a key may have been pasted there.
  const shown = redactUrl(url.href).replace(/[?#]\S*/, "?…");
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ParadigmConfigError(`baseUrl must be http(s), got ${url.protocol} (${shown})`);
  if (url.username || url.password) {
    throw new ParadigmConfigError(`baseUrl must not hold credentials (${shown}); the API key goes in apiKey.`);
  }
  if (/[?#]/.test(url.href)) {
    throw new ParadigmConfigError(`baseUrl must not have a query or fragment (${shown}): the API path would land in it.`);
  }
  refusePlainHttp(url, allowInsecureHttp);
  return url.href.replace(/\/+$/, "");
}

/**
 * The key never travels over plain http to a host that is not loopback, unless the caller allows it (`option`
 * names the switch). Throws ParadigmConfigError; nothing is sent. Base URLs, per-call base URLs, every request's
 * URL and the mock's upstream all pass here.
 */
export function refusePlainHttp(url: URL, allowed: boolean, option = "allowInsecureHttp"): void {
  if (url.protocol === "http:" && !allowed && !isLoopback(url.hostname)) {
    throw new ParadigmConfigError(
      `Refusing to send the API key over plain http to ${url.host}. Use https, or pass ${option}: true if this network is trusted.`,
    );
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
