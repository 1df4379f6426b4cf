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
} from "./errors.ts";
import { isLoopback, type ResolvedOptions } from "./options.ts";

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
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

const TIMEOUT = Symbol("timeout");

function causeCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && typeof c === "object" && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Replaces the key wherever it shows up in text we are about to keep in an error. */
export function redact(text: string, key: string): string {
  return key && text.includes(key) ? text.split(key).join("[REDACTED]") : text;
}

function cleanCause(e: unknown, key: string): unknown {
  if (!(e instanceof Error)) return e;
  const s = `${e.message}\n${e.stack ?? ""}`;
  if (!s.includes(key)) return e;
  const copy = new Error(redact(e.message, key));
  copy.name = e.name;
  return copy;
}

export class Transport {
  // Origins already checked for the http-to-remote rule; the check is not repeated per request.
  #allowedOrigin = "";
  constructor(private readonly o: ResolvedOptions) {}

  #log(level: number, method: "error" | "warn" | "info" | "debug", msg: string, data?: unknown): void {
    if (this.o.logLevel >= level) this.o.logger[method](`[paradigm-client] ${msg}`, data);
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
    const fetchImpl = o.fetch ?? globalThis.fetch;
    for (let attempt = 0; ; attempt++) {
      if (req.signal?.aborted) throw new ParadigmAbortError("The call was aborted before it was sent.", { cause: req.signal.reason });
      if (o.logLevel >= 4) {
        this.#log(4, "debug", `→ ${req.method} ${req.url} (attempt ${attempt + 1})`, { headers: { ...headers, authorization: "Bearer [REDACTED]" } });
      }
      let error: ParadigmError;
      let retryable: boolean;
      let serverDelay: number | undefined;
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(TIMEOUT), o.timeoutMs);
      const onAbort = () => ctrl.abort(req.signal?.reason);
      req.signal?.addEventListener("abort", onAbort, { once: true });
      const started = Date.now();
      try {
        const response = await fetchImpl(req.url, { method: req.method, headers, body: req.body ?? null, signal: ctrl.signal });
        const bytes = await response.arrayBuffer();
        this.#log(4, "debug", `← ${response.status} ${req.method} ${req.url} in ${Date.now() - started} ms`);
        if (response.ok || !throwHttp) {
          if (response.ok || attempt >= o.maxRetries || !this.#retryableStatus(response, o)) return { response, bytes, attempts: attempt + 1 };
        }
        const text = new TextDecoder().decode(bytes);
        // Redacted before parsing: a server that echoes request headers must not leak the key via `body`.
        error = errorFromResponse(response.status, response.statusText, response.headers, redact(text, o.apiKey));
        retryable = this.#retryableStatus(response, o);
        serverDelay = retryAfterMs(response.headers);
      } catch (e) {
        if (ctrl.signal.reason === TIMEOUT) {
          error = new ParadigmTimeoutError(
            `No complete response within ${o.timeoutMs} ms (attempt ${attempt + 1}). The server may have received the request.`,
            {
              cause: cleanCause(e, o.apiKey),
              deliveryUnknown: true,
            },
          );
          retryable = o.retryUnknownDelivery;
        } else if (req.signal?.aborted) {
          throw new ParadigmAbortError("The call was aborted by its signal.", { cause: req.signal.reason });
        } else if (e instanceof ParadigmError) {
          throw e;
        } else {
          const code = causeCode(e);
          const notSent = code !== undefined && NOT_SENT.has(code);
          const cause = cleanCause(e, o.apiKey);
          const what = redact(String((cause as Error)?.message ?? cause), o.apiKey);
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
      // Exponential backoff with jitter (0.5 s, 1 s, 2 s … × 0.75–1), or the server's own delay; capped either way.
      const backoff = Math.min(500 * 2 ** attempt, 8000) * (1 - Math.random() * 0.25);
      const delay = Math.min(serverDelay ?? backoff, o.maxRetryDelayMs);
      this.#log(3, "info", `retrying ${req.method} ${req.url} in ${Math.round(delay)} ms after: ${error.message}`);
      try {
        await o.sleep(delay, req.signal);
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
