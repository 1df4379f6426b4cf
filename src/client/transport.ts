// The one request chain, shared by rate() and by every typed operation on `client.api`:
//   auth → log → attempt (per-attempt timeout, caller signal) → error mapping → retry (src/core/delivery.ts's rule).
// Each attempt resends the same body value (a string, FormData or bytes, never a consumed stream),
// so a retried request carries exactly the bytes of the first one.
import { connectionDelivery, type Delivery, MAX_TIMER, mayRetry, retryAfterMs, retryDelayMs, statusDelivery } from "../core/delivery.ts";
import { errorFromResponse, ParadigmAbortError, ParadigmConfigError, ParadigmConnectionError, ParadigmError, ParadigmTimeoutError } from "../core/errors.ts";
import { mergeHeaders, type ResolvedOptions, redactUrl, refusePlainHttp } from "./options.ts";

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

/** How an attempt that did not deliver ended: the error, what the delivery rule says of it, the server's delay. */
interface Failed {
  error: ParadigmError;
  delivery: Delivery;
  serverDelay?: number | undefined;
  /** A non-2xx answer, scrubbed of the key, for client.api to hand back as `error` instead of throwing. */
  answer?: () => { response: Response; bytes: ArrayBuffer };
}
type Attempt = { response: Response; bytes: ArrayBuffer } | Failed;

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
    refusePlainHttp(u, o.allowInsecureHttp);
    this.#allowedOrigin = `${u.origin}/`;
  }

  /**
   * Sends `req`, retrying as src/core/delivery.ts rules. Resolves with the 2xx response (or, when `throwHttp` is
   * false, the last non-2xx one); rejects with a ParadigmError for everything else.
   */
  async execute(req: Outbound, o: ResolvedOptions = this.o, throwHttp = true): Promise<Delivered> {
    this.#checkOrigin(req.url, o);
    const headers = mergeHeaders({ ...o.headers }, req.headers);
    // A FormData body's Content-Type is fetch's to write: only it knows the boundary.
    if (req.body instanceof FormData) delete headers["content-type"];
    headers.authorization = o.auth;
    // Once an attempt may have been delivered, the call stays "delivery unknown" whatever later attempts say.
    let unknown = false;
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw new ParadigmAbortError("The call was aborted before it was sent.", { cause: req.signal.reason, deliveryUnknown: unknown });
      if (o.logLevel >= 4) {
        this.#log(4, "debug", `→ ${req.method} ${req.url} (attempt ${attempt + 1})`, { headers: { ...headers, authorization: "Bearer [REDACTED]" } });
      }
      const outcome = await this.#attempt(req, headers, o, attempt);
      if (!("error" in outcome)) return { response: outcome.response, bytes: outcome.bytes, attempts: attempt + 1 };
      unknown ||= outcome.delivery === "unknown";
      if (!mayRetry(outcome.delivery, o.retryUnknownDelivery) || attempt >= o.maxRetries) {
        // client.api hands a non-2xx answer back as `error` rather than throwing it.
        if (!throwHttp && outcome.answer) return { ...outcome.answer(), attempts: attempt + 1 };
        this.#log(1, "error", `${req.method} ${req.url} failed: ${outcome.error.message}`);
        if (unknown) (outcome.error as { deliveryUnknown: boolean }).deliveryUnknown = true;
        throw outcome.error;
      }
      const delay = retryDelayMs(attempt, outcome.serverDelay, o.maxRetryDelayMs);
      this.#log(3, "info", `retrying ${req.method} ${req.url} in ${Math.round(delay)} ms after: ${outcome.error.message}`);
      try {
        await race(o.sleep(delay, req.signal), req.signal);
      } catch (e) {
        throw new ParadigmAbortError("The call was aborted while waiting to retry.", { cause: e, deliveryUnknown: unknown });
      }
    }
  }

  /** One attempt: its own timeout and the caller's signal over sending and reading the whole answer. */
  async #attempt(req: Outbound, headers: Record<string, string>, o: ResolvedOptions, attempt: number): Promise<Attempt> {
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
    // The caller's signal, when there is one, aborts the attempt too (no listener, no closure without one).
    const user = req.signal;
    const onAbort = user && (() => ctrl.abort(user.reason));
    if (onAbort) user.addEventListener("abort", onAbort, { once: true });
    const started = o.logLevel >= 4 ? Date.now() : 0;
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
      // Guarded here, not only in #log: the message would otherwise be built on every attempt.
      if (o.logLevel >= 4) this.#log(4, "debug", `← ${response.status} ${req.method} ${req.url} in ${Date.now() - started} ms`);
      return response.ok ? { response, bytes } : httpFailure(response, bytes, o.apiKey);
    } catch (e) {
      if (timeout && ctrl.signal.reason === timeout) {
        const error = new ParadigmTimeoutError(
          `No complete response within ${o.timeoutMs} ms (attempt ${attempt + 1}). The server may have received the request.`,
          { cause: timeout, deliveryUnknown: true },
        );
        return { error, delivery: "unknown" };
      }
      // fetch was called, so the request may be on its way or answered: as a timeout at this point, delivery is unknown.
      if (req.signal?.aborted)
        throw new ParadigmAbortError("The call was aborted by its signal after the request was sent: the server may have received it.", {
          cause: req.signal.reason,
          deliveryUnknown: true,
        });
      if (e instanceof ParadigmError) throw e;
      return connectionFailure(e, req, headers, o.apiKey);
    } finally {
      clearTimeout(timer);
      if (onAbort) user.removeEventListener("abort", onAbort);
    }
  }
}

/** A non-2xx answer as a typed error, redacted before parsing: a server that echoes request headers must not leak the key. */
function httpFailure(response: Response, bytes: ArrayBuffer, key: string): Failed {
  const text = new TextDecoder().decode(bytes);
  const headers = new Headers([...response.headers].map(([k, v]): [string, string] => [k, redact(v, key)]));
  const statusText = redact(response.statusText, key);
  const body = redactBody(text, key);
  return {
    error: errorFromResponse(response.status, statusText, headers, body),
    delivery: statusDelivery(response.status, response.headers),
    serverDelay: retryAfterMs(response.headers),
    answer: () => {
      const clean = new TextEncoder().encode(body);
      const scrubbed = new Response(clean, { status: response.status, statusText, headers });
      Object.defineProperty(scrubbed, "url", { value: response.url });
      return { response: scrubbed, bytes: clean.buffer as ArrayBuffer };
    },
  };
}

/**
 * A fetch that threw: refused before anything was sent (a port fetch blocks, undici's "bad port"; a request fetch
 * cannot build: credentials, a header value with a line break…) throws ParadigmConfigError, as it would fail the
 * same way again. Told apart from a network failure by building the request again without sending it.
 */
function connectionFailure(e: unknown, req: Outbound, headers: Record<string, string>, key: string): Failed {
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
  if (unbuilt) throw new ParadigmConfigError(`${redact(redactUrl(unbuilt), key).replace(/\.$/, "")}. Nothing was sent.`);
  const c = coded(e);
  const delivery = connectionDelivery(c);
  // The coded error says what happened ("connect ECONNREFUSED 127.0.0.1:443"); undici's outer one only "fetch failed".
  const what = redact(redactUrl(String((c ?? (e as { message?: unknown } | null))?.message ?? e)), key);
  const error = new ParadigmConnectionError(
    `Connection failed${c ? ` (${c.code})` : ""}: ${what}.${delivery === "safe" ? " The request was not sent." : " The server may have received the request."}`,
    { cause: cleanCause(e, key), deliveryUnknown: delivery === "unknown" },
  );
  return { error, delivery };
}
