// The `paradigm-client/browser` entry: posts a user's feedback to your paradigm-client/handler route with the token
// your server issued. No API key, no dependency, types only from the spec (kept under 1 kB gzip: npm run size).
import type { FeedbackInput, RatePathParams } from "../client/client.ts";

export type { FeedbackInput } from "../client/client.ts";

export interface SendFeedbackOptions {
  /** Your handler's URL, e.g. "/api/feedback" or "https://api.example.com/feedback". */
  endpoint: string | URL;
  /** The token your server issued with the completion (signFeedbackToken). */
  token: string;
  /** One of the feedback types the token allows. */
  feedbackTypeId: RatePathParams["feedback_type_id"];
  feedback: FeedbackInput;
  signal?: AbortSignal | undefined;
}

/** The handler refused the feedback, or could not log it. */
export class FeedbackError extends Error {
  override name = "FeedbackError";
  /** The HTTP status (0 when no answer came: offline, CORS). */
  readonly status: number;
  /** The handler's `code`, e.g. "token_expired", "token_used_up", when it gave one. */
  readonly code: string | undefined;
  /** Seconds to wait before retrying (503), when the handler said. */
  readonly retryAfter: number | undefined;
  constructor(message: string, status: number, code?: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * Sends one feedback. Resolves when the handler accepted it (204); rejects with FeedbackError otherwise, or with
 * the fetch's AbortError when `signal` aborts.
 */
export async function sendFeedback({ endpoint, token, feedbackTypeId, feedback, signal }: SendFeedbackOptions): Promise<void> {
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, feedbackTypeId, feedback }),
      // The token is the credential: cookies are not needed, and not sent to another origin.
      credentials: "same-origin",
      signal: signal ?? null,
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new FeedbackError(`Feedback not sent: ${(e as Error).message}`, 0);
  }
  if (res.ok) return;
  const p = (await res.json().catch(() => ({}))) as { title?: unknown; code?: unknown };
  const after = Number(res.headers.get("retry-after"));
  throw new FeedbackError(
    typeof p.title === "string" ? p.title : `HTTP ${res.status}`,
    res.status,
    typeof p.code === "string" ? p.code : undefined,
    after > 0 ? after : undefined,
  );
}
