// The `paradigm-client/handler` entry: lets a browser post feedback without the API key. The server signs a token
// per completion (signFeedbackToken); the handler checks it and forwards the feedback with rate() or a queue.
// Web Crypto and the Fetch API only (no node: import): Node ≥ 20, Deno, Bun, Workers-style runtimes.
// Every refusal happens before anything is sent upstream, and no response carries upstream detail, a key or a stack.
import type { FeedbackInput, ParadigmClient, RateOptions } from "../client/client.ts";
import { statusDelivery } from "../core/delivery.ts";
import { ParadigmConfigError, retryAfterMs, type ValidationIssue } from "../core/errors.ts";
import type { FeedbackQueue } from "../queue/index.ts";
import { rateOperation } from "../spec/prepare.ts";
import { validateOperation } from "../spec/validate.ts";
import { type CompletionId, type FeedbackSecret, type FeedbackTokenClaims, type FeedbackTypeId, hmacKeys, secretList, verifyFeedbackToken } from "./token.ts";
import { memoryUsesStore, type TokenUsesStore } from "./uses.ts";

export { type NodeRequestLike, type NodeResponseLike, toNodeListener } from "./node.ts";
export { type FeedbackSecret, type FeedbackTokenClaims, type SignFeedbackTokenOptions, signFeedbackToken } from "./token.ts";
export { memoryUsesStore, type TokenUsesStore } from "./uses.ts";

/** What the browser posts: `{ token, feedbackTypeId, feedback }` (see paradigm-client/browser). */
export interface FeedbackRequestBody {
  token: string;
  feedbackTypeId: FeedbackTypeId;
  feedback: FeedbackInput;
}

/** One accepted feedback, as given to `onFeedback` after it was forwarded (or enqueued). */
export interface AcceptedFeedback {
  completionId: CompletionId;
  feedbackTypeId: FeedbackTypeId;
  feedback: FeedbackInput;
  token: FeedbackTokenClaims;
  request: Request;
}

interface HandlerCommon {
  /** One secret, or a list for rotation: the first signs, any of them verifies. At least 32 characters each. */
  secret: FeedbackSecret;
  /**
   * Origins allowed to post from a browser on another origin (e.g. `["https://app.example.com"]`): they get CORS
   * answers, any other Origin gets 403 (browsers send Origin on same-origin POSTs too: list your own origin if its
   * pages post here). Left out: no CORS and no Origin check (same-origin pages only; the token is the credential).
   */
  allowedOrigins?: readonly string[] | undefined;
  /** Largest request body accepted, in bytes; more is refused with 413 before it is all read. @default 4096 */
  maxBodyBytes?: number | undefined;
  /**
   * Called after each feedback was forwarded (or enqueued), e.g. to record it locally. It cannot change the answer:
   * the feedback is already logged, so a throw is reported on stderr and the browser still gets 204.
   */
  onFeedback?: ((feedback: AcceptedFeedback) => void | Promise<void>) | undefined;
  /** Counts uses of tokens signed with `maxUses`. @default memoryUsesStore(), this process only */
  usesStore?: TokenUsesStore | undefined;
  /** Options for each rate() call. @default { maxRetries: 0 }: a 429/503 goes back to the browser as 503 + Retry-After at once */
  rateOptions?: RateOptions | undefined;
}

export type FeedbackHandlerOptions = HandlerCommon &
  (
    | { /** Forwards each feedback with `client.rate()`. */ client: Pick<ParadigmClient, "rate">; queue?: undefined }
    | { /** Enqueues each feedback (paradigm-client/queue); 204 means accepted by the queue. */ queue: Pick<FeedbackQueue, "enqueue">; client?: undefined }
  );

const PROBLEM = "application/problem+json";

/** A small RFC 9457 problem document; titles are ours, never upstream text. */
function problem(status: number, title: string, headers: Record<string, string>, extra?: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, ...extra }), {
    status,
    headers: { ...headers, "content-type": PROBLEM, "cache-control": "no-store" },
  });
}

/** The feedback's errors, from the spec-derived validator, with paths relative to the request body. */
const feedbackIssues = (issues: ValidationIssue[]) => issues.map((i) => ({ path: i.path.replace(/^\$\.body/, "$.feedback"), message: i.message }));

/** Reads at most `limit` bytes of the body; undefined when there are more. */
async function readCapped(request: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function origins(list: readonly string[] | undefined): Set<string> | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new ParadigmConfigError('allowedOrigins must be a list of origins, e.g. ["https://app.example.com"].');
  return new Set(
    list.map((o) => {
      let url: URL | undefined;
      try {
        url = new URL(o);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== o.replace(/\/$/, ""))
        throw new ParadigmConfigError(`allowedOrigins: ${JSON.stringify(o)} is not an origin (scheme://host[:port], no path or "*").`);
      return url.origin;
    }),
  );
}

/** Whole seconds for Retry-After, from the upstream's answer when it gave one; between 1 and 3600. */
function retryAfterSeconds(e: unknown, fallback: number): string {
  const o = e as { retryAfter?: unknown; headers?: unknown };
  const ms = typeof o.retryAfter === "number" ? o.retryAfter : o.headers instanceof Headers ? retryAfterMs(o.headers) : undefined;
  return String(Math.min(3600, Math.max(1, Math.ceil((ms ?? fallback * 1000) / 1000))));
}

/**
 * Creates the route a browser posts feedback to: `(request: Request) => Promise<Response>`. Mount it as-is in
 * Next.js route handlers, Hono, Deno, Bun or Workers; `toNodeListener(handler)` for node:http and Express.
 * Throws ParadigmConfigError for bad options (secret too short, neither or both of client and queue…).
 */
export function createFeedbackHandler(options: FeedbackHandlerOptions): (request: Request) => Promise<Response> {
  const secrets = secretList(options.secret);
  const { client, queue, onFeedback } = options;
  if (!client === !queue) throw new ParadigmConfigError("createFeedbackHandler needs exactly one of `client` (forwards with rate()) or `queue` (enqueues).");
  if (client && typeof client.rate !== "function") throw new ParadigmConfigError("client must have a rate() method (createParadigmClient()).");
  if (queue && typeof queue.enqueue !== "function") throw new ParadigmConfigError("queue must have an enqueue() method (createFeedbackQueue()).");
  const maxBodyBytes = options.maxBodyBytes ?? 4096;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new ParadigmConfigError(`maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}.`);
  const allowed = origins(options.allowedOrigins);
  const uses = options.usesStore ?? memoryUsesStore();
  const rateOptions: RateOptions = { maxRetries: 0, ...options.rateOptions };
  const spec = rateOperation();
  // Imported once, lazily (importKey is async); a failure is retried on the next request.
  let keys: Promise<CryptoKey[]> | undefined;
  const getKeys = () => {
    keys ??= hmacKeys(secrets).catch((e) => {
      keys = undefined;
      throw e;
    });
    return keys;
  };

  return async function feedbackHandler(request: Request): Promise<Response> {
    const origin = request.headers.get("origin");
    const cors: Record<string, string> = allowed ? { vary: "Origin" } : {};
    if (allowed && origin !== null) {
      if (!allowed.has(origin)) return problem(403, "Origin not allowed", cors);
      cors["access-control-allow-origin"] = origin;
      cors["access-control-expose-headers"] = "Retry-After";
    }
    const method = request.method.toUpperCase();
    if (method === "OPTIONS") {
      // A preflight: only from an allowed origin, for POST with at most a Content-Type header.
      if (!allowed || origin === null) return problem(403, "Cross-origin requests are not allowed here", cors);
      if (request.headers.get("access-control-request-method")?.toUpperCase() !== "POST")
        return problem(405, "Only POST is allowed", { ...cors, allow: "POST, OPTIONS" });
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": "Content-Type",
          "access-control-max-age": "600",
        },
      });
    }
    if (method !== "POST") return problem(405, "Only POST is allowed", { ...cors, allow: "POST, OPTIONS" });

    const media = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (media !== "application/json") return problem(415, "The body must be application/json", cors);
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > maxBodyBytes) return problem(413, `The body must be at most ${maxBodyBytes} bytes`, cors);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readCapped(request, maxBodyBytes);
    } catch {
      return problem(400, "The body could not be read", cors);
    }
    if (!bytes) return problem(413, `The body must be at most ${maxBodyBytes} bytes`, cors);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      return problem(400, "The body is not valid JSON", cors);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return problem(400, "The body must be a JSON object", cors);
    const b = body as Record<string, unknown>;
    const own = (k: string) => (Object.hasOwn(b, k) ? b[k] : undefined);
    const extra = Object.keys(b).filter((k) => k !== "token" && k !== "feedbackTypeId" && k !== "feedback" && k !== "completionId");
    if (extra.length) return problem(400, `Unknown field ${JSON.stringify(extra[0])}: the body is { token, feedbackTypeId, feedback }`, cors);
    const token = own("token");
    if (typeof token !== "string" || token.length === 0) return problem(401, "A feedback token is required", cors);

    // The token first: nothing about the feedback is checked (or revealed) for a caller without a valid one.
    let check: Awaited<ReturnType<typeof verifyFeedbackToken>>;
    try {
      check = await verifyFeedbackToken(token, await getKeys());
    } catch {
      return problem(500, "Internal error", cors);
    }
    if (!check.ok)
      return problem(401, check.reason === "expired" ? "The feedback token has expired" : "Invalid feedback token", cors, { code: `token_${check.reason}` });
    const claims = check.claims;
    // The completion always comes from the token; a body naming another one is a mix-up, refused rather than ignored.
    const completionId = own("completionId");
    if (completionId !== undefined && completionId !== claims.completionId)
      return problem(403, "The token is for another completion", cors, { code: "token_scope" });
    // Typed by the spec's rule for the path parameter (an integer today), then scoped by the token.
    const feedbackTypeId = own("feedbackTypeId") as FeedbackTypeId;
    const feedback = own("feedback");
    // One validation; the completion id was checked with the token, so a path issue is the feedback type's.
    const issues = validateOperation(spec, {
      path: { feedback_type_id: feedbackTypeId, completion_id: claims.completionId },
      body: feedback,
      mediaType: "application/json",
    });
    if (feedbackTypeId === undefined || issues.some((i) => i.path.startsWith("$.path."))) return problem(400, "feedbackTypeId is not a feedback type id", cors);
    if (!claims.feedbackTypeIds.includes(feedbackTypeId)) return problem(403, "The token does not allow this feedback type", cors, { code: "token_scope" });
    if (feedback === undefined) return problem(400, "feedback is required", cors);
    if (issues.length) return problem(400, "Invalid feedback", cors, { errors: feedbackIssues(issues) });

    let counted = false;
    if (claims.maxUses !== undefined && claims.id !== undefined) {
      let n: number;
      try {
        n = await uses.add(claims.id, claims.expiresAt * 1000);
      } catch {
        return problem(503, "Try again later", { ...cors, "retry-after": "5" });
      }
      if (!(n <= claims.maxUses)) return problem(403, "The feedback token has been used up", cors, { code: "token_used_up" });
      counted = true;
    }
    const giveBack = async () => {
      if (counted && claims.id !== undefined) await Promise.resolve(uses.remove?.(claims.id)).catch(() => {});
    };

    const input = feedback as FeedbackInput;
    try {
      if (client) await client.rate(feedbackTypeId, claims.completionId, input, rateOptions);
      else await (queue as Pick<FeedbackQueue, "enqueue">).enqueue(feedbackTypeId, claims.completionId, input);
    } catch (e) {
      // Matched by shape, not instanceof: the client may come from the other module format (ESM vs CommonJS).
      const err = (e ?? {}) as { name?: unknown; status?: unknown; headers?: unknown; deliveryUnknown?: unknown };
      if (err.name === "ParadigmValidationError") {
        await giveBack();
        return problem(400, "Invalid feedback", cors);
      }
      // The client's delivery rule (src/core/delivery.ts) decides; the queue's own refusals mean nothing was sent.
      const delivery =
        typeof err.status === "number" && err.headers instanceof Headers
          ? statusDelivery(err.status, err.headers)
          : err.deliveryUnknown === true
            ? "unknown"
            : err.name === "ParadigmConnectionError" || err.name === "ParadigmQueueFullError" || err.name === "ParadigmQueueClosedError"
              ? "safe"
              : "final";
      if (delivery === "safe") {
        // Nothing was logged: the use is given back so the browser's retry can succeed.
        await giveBack();
        return problem(503, "Feedback is unavailable, try again later", { ...cors, "retry-after": retryAfterSeconds(e, 5) });
      }
      if (delivery === "unknown") {
        // The server may have logged it: the use stays spent, and the page is told not to resend.
        const title = "The feedback may have been logged; do not send it again";
        if (err.status === 503) return problem(503, title, { ...cors, "retry-after": retryAfterSeconds(e, 5) }, { code: "delivery_unknown" });
        return problem(502, title, cors, { code: "delivery_unknown" });
      }
      return problem(502, "The feedback could not be logged", cors);
    }
    if (onFeedback) {
      try {
        await onFeedback({ completionId: claims.completionId, feedbackTypeId, feedback: input, token: claims, request });
      } catch (e) {
        console.error("paradigm-client/handler: onFeedback threw (the feedback was logged):", e);
      }
    }
    return new Response(null, { status: 204, headers: { ...cors, "cache-control": "no-store" } });
  };
}
