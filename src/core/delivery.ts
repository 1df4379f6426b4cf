// The delivery rule, in one place: after a failure, could the server have logged the feedback, and may the
// request be sent again? The request chain (transport.ts), the queue (queue.ts) and the error classes
// (errors.ts: `deliveryUnknown`) all read it, so they cannot disagree.
//
// Paradigm's rate endpoint is a non-idempotent POST with no idempotency key: a retry is safe only when the
// server cannot have acted on the first request.
import { ParadigmAbortError, ParadigmAPIError, ParadigmConnectionError, type ParadigmError, ParadigmValidationError } from "./errors.ts";

/**
 * What a failure says about delivery:
 * - `"safe"`: the server cannot have acted, and the same request may succeed later: 429, 408, 503 with
 *   Retry-After, a connection that failed before the request was written. Retried by default.
 * - `"unknown"`: the server may have acted: 500, 502, 504, 503 without Retry-After, a timeout or a reset after
 *   sending, an abort after sending. `deliveryUnknown` is true. Retried only with `retryUnknownDelivery`
 *   (an abort never: the caller asked to stop).
 * - `"final"`: the server refused it (any other 4xx), or nothing was sent and sending again fails the same
 *   way (validation, configuration, an abort before sending). Never retried.
 */
export type Delivery = "safe" | "unknown" | "final";

/**
 * The rule for an HTTP answer. 408 is safe: RFC 9110 §15.5.9 says the server did not receive the whole
 * request, and that a client may repeat it. A 503 is safe only with Retry-After, the server's statement that it
 * is refusing for now; any other 5xx may come after the server acted.
 */
export function statusDelivery(status: number, headers: Headers): Delivery {
  if (status === 429 || status === 408) return "safe";
  if (status === 503 && retryAfterMs(headers) !== undefined) return "safe";
  if (status >= 500) return "unknown";
  return "final";
}

// Connection failures raised before the request was handed to the server. Any error of the `connect` syscall
// also qualifies (e.g. "connect ECONNRESET"): no byte of the request was written.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * The rule for a connection failure, from the error code found on its cause chain (undici's `code` and `syscall`):
 * safe when it failed before the request was written, unknown otherwise (a reset or close after sending).
 */
export function connectionDelivery(failure: { code: string; syscall?: unknown } | undefined): Delivery {
  return failure && (NOT_SENT.has(failure.code) || failure.syscall === "connect") ? "safe" : "unknown";
}

/** The rule for an error this package threw (or a ParadigmError rebuilt from a stored one). */
export function errorDelivery(e: ParadigmError): Delivery {
  if (e.deliveryUnknown) return "unknown";
  if (e instanceof ParadigmAPIError) return statusDelivery(e.status, e.headers);
  if (e instanceof ParadigmConnectionError) return "safe";
  return "final";
}

/** Whether to send again after a failure classified `delivery`; `retryUnknownDelivery` is the caller's opt-in. */
export function mayRetry(delivery: Delivery, retryUnknownDelivery: boolean): boolean {
  return delivery === "safe" || (delivery === "unknown" && retryUnknownDelivery);
}

/** `mayRetry` for an error. An abort (the caller's decision) and a validation error are never retried. */
export function mayRetryError(e: ParadigmError, retryUnknownDelivery: boolean): boolean {
  if (e instanceof ParadigmAbortError || e instanceof ParadigmValidationError) return false;
  return mayRetry(errorDelivery(e), retryUnknownDelivery);
}

/** `retry-after-ms`, then `Retry-After` (seconds or HTTP date), in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const ra = headers.get("retry-after");
  if (!ra) return undefined;
  const s = Number(ra);
  if (ra.trim() !== "" && Number.isFinite(s)) return s >= 0 ? s * 1000 : undefined;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Wait before retry number `attempt + 1`: the server's delay when it gave one, else exponential backoff with
 * jitter (0.5 s, 1 s, 2 s … up to 8 s, × 0.75–1); capped at `capMs` either way.
 */
export function retryDelayMs(attempt: number, serverDelayMs: number | undefined, capMs: number): number {
  return Math.min(serverDelayMs ?? Math.min(500 * 2 ** attempt, 8000) * (1 - Math.random() * 0.25), capMs);
}

/** setTimeout fires at once (with a warning) for delays above 2^31-1 ms. */
export const MAX_TIMER = 2147483647;

/**
 * Waits `ms` (capped at the largest delay setTimeout honours; larger ones would fire at once). Rejects with the
 * signal's reason when it aborts. The default `sleep` of the client and the queue.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal?.reason);
    };
    const t = setTimeout(
      () => {
        done();
        resolve();
      },
      Math.min(ms, MAX_TIMER),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
