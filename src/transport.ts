// The one request chain, shared by rate() and by every typed operation on `client.api`:
//   auth → log → attempt (per-attempt timeout, caller signal) → error mapping → safe retry.
// Each attempt resends the same body value (a string, FormData or bytes, never a consumed stream),
// so a retried request carries exactly the bytes of the first one.
import {
  errorFromResponse,
  ParadigmAbortError,
  ParadigmConfigError,
  ParadigmConnectionError,
  ParadigmError,
  ParadigmTimeoutError,
  retryAfterMs,
  retryDelayMs,
} from "./errors.ts";
import { isLoopback, type ResolvedOptions, redactUrl } from "./options.ts";

export interface Outbound {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: BodyInit | undefined;
  /** Caller's signal for this call, if any. */
  signal?: AbortSignal | undefined;
}

export interface Delivered {
  response: Response;
  /** The whole response body, read within the attempt's timeout. */
  bytes: ArrayBuffer;
  /** Attempts made, 1 when the first one succeeded. */
  attempts: number;
}

// Connection failures raised before the request was handed to the server: safe to retry.
// Any error of the `connect` syscall also qualifies (e.g. "connect ECONNRESET"): no byte of the request was written.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

// setTimeout fires at once (with a warning) for delays above 2^31-1 ms.
const MAX_TIMER = 2147483647;

/** The first error along the cause chain with a string `code` (undici puts it, with `syscall`, on `cause`). */
function coded(e: unknown): { code: string; syscall?: unknown; message?: unknown } | undefined {
  for (let c: unknown = e, depth = 0; c && typeof c === "object" && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    if (typeof (c as { code?: unknown }).code === "string") return c as { code: string };
  }
  return undefined;
}

// A key this long cannot turn up in unrelated text, so it is redacted wherever it appears, even glued to
// other characters. A shorter one is redacted only as a token of its own: glued to a letter or digit it is
// part of another word ("ank" in "blank"), and replacing it there would mangle the server's message.
const ANYWHERE = 16;
let cached: { key: string; re: RegExp } | undefined;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The key as it can appear in text: as is, JSON-escaped, and percent-encoded (URL, form body; either hex case). */
function keyPattern(key: string): RegExp {
  if (cached?.key === key) return cached.re;
  const enc = encodeURIComponent(key);
  const any = [...new Set([key, JSON.stringify(key).slice(1, -1), enc, enc.replace(/%../g, (m) => m.toLowerCase())])].map(escapeRe).join("|");
  // Before a short key: start, a non-alphanumeric, or an escape that ends the previous word (\n, %22, \u0022).
  const re =
    key.length >= ANYWHERE
      ? new RegExp(any, "g")
      : new RegExp(`(?<=^|[^\\p{L}\\p{N}]|\\\\[nrtbf]|%[0-9A-Fa-f]{2}|\\\\u[0-9A-Fa-f]{4})(?:${any})(?![\\p{L}\\p{N}])`, "gu");
  cached = { key, re };
  return re;
}

/** Replaces the key where it appears in text we are about to keep in an error, a log or a returned body. */
export function redact(text: string, key: string): string {
  if (!key || !text) return text;
  const re = keyPattern(key);
  return text.search(re) === -1 ? text : text.replace(re, "[REDACTED]");
}

/** Redacts a response body. JSON escapes (`\/`, `\u0061`) could hide the key from the text; re-serialized, they are undone. */
function redactBody(text: string, key: string): string {
  const clean = redact(text, key);
  try {
    const canon = JSON.stringify(JSON.parse(clean));
    const r = redact(canon, key);
    return r === canon ? clean : r;
  } catch {
    return clean; // not JSON: the text redaction stands
  }
}

/** True when the key appears in any string reachable from `v` (own properties, cause chain, AggregateError.errors). */
function holds(v: unknown, key: string, seen: Set<unknown>): boolean {
  if (typeof v === "string") return v.search(keyPattern(key)) !== -1;
  if (!v || typeof v !== "object" || seen.has(v) || seen.size > 500) return false;
  seen.add(v);
  return Reflect.ownKeys(v).some((k) => {
    try {
      return holds((v as Record<PropertyKey, unknown>)[k], key, seen);
    } catch {
      return false;
    }
  });
}

/** The original cause when it is clean; otherwise a redacted copy (name, message, code, cleaned cause) that drops everything else. */
function cleanCause(e: unknown, key: string, depth = 0): unknown {
  if (!holds(e, key, new Set())) return e;
  if (!(e instanceof Error) || depth > 4) return redact(String(e), key);
  const copy = new Error(redact(e.message, key), { cause: cleanCause(e.cause, key, depth + 1) });
  copy.name = e.name;
  const { code } = e as { code?: unknown };
  if (typeof code === "string") Object.assign(copy, { code });
  return copy;
}

/** Settles like `p`, but rejects as soon as `signal` aborts: a fetch or sleep that ignores its signal cannot hold the call. */
function race<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

export class Transport {
  // Origins already checked for the http-to-remote rule; the check is not repeated per request.
  #allowedOrigin = "";
  constructor(private readonly o: ResolvedOptions) {}

  #log(level: number, method: "error" | "warn" | "info" | "debug", msg: string, ...data: unknown[]): void {
    // `data` is spread so a line without data does not print a trailing "undefined".
    if (this.o.logLevel >= level) this.o.logger[method](`[paradigm-client] ${msg}`, ...data);
  }

  #checkOrigin(url: string, o: ResolvedOptions): void {
    if (url.startsWith(this.#allowedOrigin) && this.#allowedOrigin) return;
    const u = new URL(url);
    if (u.protocol === "http:" && !o.allowInsecureHttp && !isLoopback(u.hostname)) {
      throw new ParadigmConfigError(`Refusing to send the API key over plain http to ${u.host}. Use https, or pass allowInsecureHttp: true.`);
    }
    this.#allowedOrigin = `${u.origin}/`;
  }

  /**
   * Sends `req` under the retry policy. Resolves with the 2xx response (or, when `throwHttp` is false,
   * the last non-2xx one); rejects with a ParadigmError for everything else.
   */
  async execute(req: Outbound, o: ResolvedOptions = this.o, throwHttp = true): Promise<Delivered> {
    this.#checkOrigin(req.url, o);
    const headers = { ...o.headers, ...req.headers, authorization: o.auth };
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw new ParadigmAbortError("The call was aborted before it was sent.", { cause: req.signal.reason });
      if (o.logLevel >= 4) {
        this.#log(4, "debug", `→ ${req.method} ${req.url} (attempt ${attempt + 1})`, { headers: { ...headers, authorization: "Bearer [REDACTED]" } });
      }
      let error: ParadigmError;
      let retryable: boolean;
      let serverDelay: number | undefined;
      const ctrl = new AbortController();
      // The attempt's own timeout reason, told apart from the caller's by identity; it becomes the error's cause.
      // Built only when the timer fires: the common path pays for no stack trace.
      let timeout: DOMException | undefined;
      const timer = setTimeout(
        () => {
          timeout = new DOMException(`Attempt timed out after ${o.timeoutMs} ms`, "TimeoutError");
          ctrl.abort(timeout);
        },
        Math.min(o.timeoutMs, MAX_TIMER),
      );
      const onAbort = () => ctrl.abort(req.signal?.reason);
      req.signal?.addEventListener("abort", onAbort, { once: true });
      const started = Date.now();
      try {
        // Headers and the whole body, inside the attempt's timeout.
        const init = { method: req.method, headers, body: req.body ?? null, signal: ctrl.signal };
        let response: Response;
        let bytes: ArrayBuffer;
        if (o.fetch) {
          // A fetch passed in may ignore its signal: race it, so the timeout still ends the attempt.
          [response, bytes] = await race(
            o.fetch(req.url, init).then(async (r) => [r, await r.arrayBuffer()] as const),
            ctrl.signal,
          );
        } else {
          // The platform fetch rejects on abort, during the body read too: no race, no extra promises.
          response = await globalThis.fetch(req.url, init);
          bytes = await response.arrayBuffer();
        }
        this.#log(4, "debug", `← ${response.status} ${req.method} ${req.url} in ${Date.now() - started} ms`);
        if (response.ok) return { response, bytes, attempts: attempt + 1 };
        const text = new TextDecoder().decode(bytes);
        // Redacted before parsing: a server that echoes request headers must not leak the key via `body` or `headers`.
        const h = new Headers([...response.headers].map(([k, v]): [string, string] => [k, redact(v, o.apiKey)]));
        if (!throwHttp && (attempt >= o.maxRetries || !this.#retryableStatus(response, o))) {
          // Handed back (client.api's `error`), not thrown: scrubbed the same way.
          const clean = new TextEncoder().encode(redactBody(text, o.apiKey));
          const statusText = redact(response.statusText, o.apiKey);
          const scrubbed = new Response(clean, { status: response.status, statusText, headers: h });
          Object.defineProperty(scrubbed, "url", { value: response.url });
          return { response: scrubbed, bytes: clean.buffer as ArrayBuffer, attempts: attempt + 1 };
        }
        error = errorFromResponse(response.status, redact(response.statusText, o.apiKey), h, redactBody(text, o.apiKey));
        retryable = this.#retryableStatus(response, o);
        serverDelay = retryAfterMs(response.headers);
      } catch (e) {
        if (timeout && ctrl.signal.reason === timeout) {
          error = new ParadigmTimeoutError(
            `No complete response within ${o.timeoutMs} ms (attempt ${attempt + 1}). The server may have received the request.`,
            { cause: timeout, deliveryUnknown: true },
          );
          retryable = o.retryUnknownDelivery;
        } else if (req.signal?.aborted) {
          throw new ParadigmAbortError("The call was aborted by its signal.", { cause: req.signal.reason });
        } else if (e instanceof ParadigmError) {
          throw e;
        } else {
          // Refused before anything was sent: a port fetch blocks (undici says "bad port"), or a request fetch
          // cannot build (credentials, a header value with a line break…), told apart from a network failure by
          // building it again without sending. Not retried: it would fail the same way.
          let unbuilt: string | undefined;
          for (let c: unknown = e, d = 0; c instanceof Error && d < 4; c = c.cause, d++)
            if (c.message === "bad port") unbuilt = `fetch blocks port ${new URL(req.url).port}; use another`;
          if (!unbuilt && e instanceof TypeError) {
            try {
              new Request(req.url, { method: req.method, headers, body: req.body ?? null });
            } catch (built) {
              unbuilt = `fetch cannot build this request: ${(built as Error)?.message ?? String(built)}`;
            }
          }
          if (unbuilt) throw new ParadigmConfigError(`${redact(redactUrl(unbuilt), o.apiKey)}. Nothing was sent.`);
          const c = coded(e);
          const code = c?.code;
          const notSent = !!c && (NOT_SENT.has(c.code) || c.syscall === "connect");
          const cause = cleanCause(e, o.apiKey);
          // The coded error says what happened ("connect ECONNREFUSED 127.0.0.1:443"); undici's outer one only "fetch failed".
          const what = redact(redactUrl(String((c ?? (e as { message?: unknown } | null))?.message ?? e)), o.apiKey);
          error = new ParadigmConnectionError(
            `Connection failed${code ? ` (${code})` : ""}: ${what}.${notSent ? " The request was not sent." : " The server may have received the request."}`,
            { cause, deliveryUnknown: !notSent },
          );
          retryable = notSent || o.retryUnknownDelivery;
        }
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onAbort);
      }
      if (!retryable || attempt >= o.maxRetries) {
        this.#log(1, "error", `${req.method} ${req.url} failed: ${error.message}`);
        throw error;
      }
      const delay = retryDelayMs(attempt, serverDelay, o.maxRetryDelayMs);
      this.#log(3, "info", `retrying ${req.method} ${req.url} in ${Math.round(delay)} ms after: ${error.message}`);
      try {
        await race(o.sleep(delay, req.signal), req.signal);
      } catch (e) {
        throw new ParadigmAbortError("The call was aborted while waiting to retry.", { cause: e });
      }
    }
  }

  #retryableStatus(r: Response, o: ResolvedOptions): boolean {
    if (r.status === 429) return true;
    if (r.status === 503 && retryAfterMs(r.headers) !== undefined) return true;
    return o.retryUnknownDelivery && (r.status >= 500 || r.status === 408);
  }
}
