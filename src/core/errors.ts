// One class tree, rooted at ParadigmError. Everything the client throws is an instance of it.
// HTTP statuses map to classes in one table (STATUS_CLASSES); messages are built from the body. Whether an
// error leaves delivery unknown is the delivery rule's answer (src/core/delivery.ts), not decided here.
import { retryAfterMs, statusDelivery } from "./delivery.ts";

export { retryAfterMs, retryDelayMs } from "./delivery.ts";

/** One problem found by the spec-derived validator: where (a JSON path from `$`) and what. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Issues as one line: `$.body.tag must be at most 120 characters; $.path.completion_id is required`. */
export const formatIssues = (issues: readonly ValidationIssue[]): string => issues.map((i) => `${i.path} ${i.message}`).join("; ");

/** Root of every error this package throws. */
export class ParadigmError extends Error {
  override name = "ParadigmError";
  /**
   * True when the request may have reached the server and been acted on (a timeout, a reset or an abort after
   * sending, 500/502/504, a 503 without Retry-After). Retrying such a request could log the same feedback twice.
   * The rule: src/core/delivery.ts.
   */
  readonly deliveryUnknown: boolean = false;

  constructor(message: string, options?: { cause?: unknown; deliveryUnknown?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.deliveryUnknown) this.deliveryUnknown = true;
  }
}

/**
 * Bad options (no API key, an unusable base URL, a key about to travel over plain http), or a request fetch will
 * not send (a blocked port, a header value with a line break). Nothing was sent.
 */
export class ParadigmConfigError extends ParadigmError {
  override name = "ParadigmConfigError";
}

/** The input breaks the spec. Lists every problem with its JSON path. Nothing was sent. */
export class ParadigmValidationError extends ParadigmError {
  override name = "ParadigmValidationError";
  readonly issues: readonly ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    super(`Invalid request (${issues.length} problem${issues.length === 1 ? "" : "s"}, nothing sent): ${formatIssues(issues)}`);
    this.issues = issues;
  }
}

/** The server answered with a non-2xx status. */
export class ParadigmAPIError extends ParadigmError {
  override name = "ParadigmAPIError";
  readonly status: number;
  readonly headers: Headers;
  /** The parsed body: JSON when it parses, else the text ("" when empty). */
  readonly body: unknown;
  /** The server's request id (`x-request-id` or `request-id`), when it sent one. */
  readonly requestId: string | undefined;

  constructor(status: number, headers: Headers, body: unknown, message: string) {
    super(message, { deliveryUnknown: statusDelivery(status, headers) === "unknown" });
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.requestId = headers.get("x-request-id") ?? headers.get("request-id") ?? undefined;
  }
}

export class BadRequestError extends ParadigmAPIError {
  override name = "BadRequestError";
}
export class AuthenticationError extends ParadigmAPIError {
  override name = "AuthenticationError";
}
export class PermissionDeniedError extends ParadigmAPIError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends ParadigmAPIError {
  override name = "NotFoundError";
}
export class ConflictError extends ParadigmAPIError {
  override name = "ConflictError";
}
export class UnprocessableEntityError extends ParadigmAPIError {
  override name = "UnprocessableEntityError";
}
export class RateLimitError extends ParadigmAPIError {
  override name = "RateLimitError";
  /** Milliseconds the server asked to wait (`retry-after-ms` or `Retry-After`, seconds or HTTP date), as of the answer; undefined if it did not say. */
  readonly retryAfter: number | undefined = retryAfterMs(this.headers);
}
/** Any 5xx. `deliveryUnknown` is true unless it was a 503 with Retry-After. */
export class InternalServerError extends ParadigmAPIError {
  override name = "InternalServerError";
}

/** The connection failed. `deliveryUnknown` says whether the request may have been received. */
export class ParadigmConnectionError extends ParadigmError {
  override name = "ParadigmConnectionError";
}
/** An attempt took longer than `timeoutMs`. The server may have acted: `deliveryUnknown` is true. */
export class ParadigmTimeoutError extends ParadigmError {
  override name = "ParadigmTimeoutError";
}
/**
 * The caller's `signal` aborted the call. `deliveryUnknown` is true when the abort came after the request was
 * sent (the server may have received it), false before sending or during a wait between attempts.
 */
export class ParadigmAbortError extends ParadigmError {
  override name = "ParadigmAbortError";
}

// The one status table. Families not listed fall back to ParadigmAPIError (4xx) or InternalServerError (5xx).
const STATUS_CLASSES: Record<number, typeof ParadigmAPIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** Builds the typed error for a non-2xx answer. Never throws, whatever the body holds. */
export function errorFromResponse(status: number, statusText: string, headers: Headers, text: string): ParadigmAPIError {
  const type = headers.get("content-type") ?? "";
  let body: unknown = text;
  if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
    try {
      body = JSON.parse(text);
    } catch {
      // Malformed JSON: keep the text, the message below still says something useful.
    }
  }
  const Class = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : ParadigmAPIError);
  const head = `${status}${statusText ? ` ${statusText}` : ""}`;
  let summary = "";
  try {
    summary = describeBody(body, /html/i.test(type) || /^\s*</.test(text));
  } catch {
    // A body too odd to summarize (e.g. nested past the stack): the status line still says what happened.
  }
  // A page titled "502 Bad Gateway" or a text body "Service Unavailable" adds nothing to the status line.
  return new Class(status, headers, body, summary && summary !== head && summary !== statusText ? `${head}: ${summary}` : head);
}

const clip = (s: string, n = 300) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** A readable line from DRF bodies, problem+json (Prism), plain text or HTML error pages. */
function describeBody(body: unknown, html: boolean): string {
  if (typeof body === "string") {
    if (!html) return clip(body);
    const page = body.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "");
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1]?.trim() || /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(page)?.[1];
    const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", nbsp: " " };
    return clip(
      (title || page).replace(/<[^>]*>/g, " ").replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, e: string) => ENTITIES[e] ?? ""),
      200,
    );
  }
  if (!body || typeof body !== "object") return body == null ? "" : String(body);
  const o = body as Record<string, unknown>;
  const parts: string[] = [];
  // application/problem+json: title, detail, and Prism's `validation` list.
  if (typeof o.title === "string") parts.push(o.title);
  if (typeof o.detail === "string") parts.push(o.detail);
  if (Array.isArray(o.validation)) {
    for (const v of o.validation as { location?: unknown[]; message?: string }[]) {
      parts.push(`${(v?.location ?? []).join(".")}: ${v?.message ?? ""}`);
    }
  }
  if (parts.length) return clip(parts.join(" — "), 600);
  // Django REST framework errors: { detail }, { field: ["msg", ...] }, nested serializers { a: { b: [...] } },
  // list serializers [{}, { tag: [...] }], non_field_errors. Every string is kept, prefixed with its field path.
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "string") parts.push(at ? `${at}: ${v}` : v);
    else if (Array.isArray(v)) for (const x of v) walk(x, at);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, /^(non_field_errors|detail|message|error|errors)$/.test(k) ? at : at ? `${at}.${k}` : k);
  };
  walk(body, "");
  return clip(parts.length ? parts.join("; ") : JSON.stringify(body));
}
