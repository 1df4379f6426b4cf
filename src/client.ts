// createParadigmClient: rate() on a direct hot path, and `api`, openapi-fetch's typed client for every
// operation in the spec. Both go through the same validation (src/validate.ts) and the same request
// chain (src/transport.ts): auth, logging, timeout, safe retries, typed errors.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths, Readable, Writable } from "../generated/schema.ts";
import { encodeBody, fillPath, type MediaType } from "./encode.ts";
import { ParadigmConfigError, ParadigmError, ParadigmValidationError } from "./errors.ts";
import { checkBaseUrl, mergeRequestOptions, type ParadigmClientOptions, type RequestOptions, redactUrl, resolveOptions } from "./options.ts";
import { redact, Transport } from "./transport.ts";
import { operationSpec, validateOperation } from "./validate.ts";

const RATE_PATH = "/api/v2/rate/{feedback_type_id}/{completion_id}";
type BodyContent<Op> = Op extends { requestBody?: { content: infer C } } ? C : never;

/** The rate operation, as generated from the spec. Every type below derives from it. */
export type RateOperation = paths[typeof RATE_PATH]["post"];
/** The path parameters of the rate operation (`feedback_type_id`, `completion_id`). */
export type RatePathParams = RateOperation["parameters"]["path"];
/** Request media types the spec declares for the rate operation. */
export type RateMediaType = keyof BodyContent<RateOperation> & MediaType;
// Optional fields may also be given as `undefined` (dropped before sending), so callers under
// exactOptionalPropertyTypes can pass `tag: maybeTag` without spreading.
type UndefinedOk<T> = { [K in keyof T]: T[K] | (Record<never, never> extends Pick<T, K> ? undefined : never) };

/** The name of every schema in the spec's `components.schemas`. */
export type SchemaName = keyof components["schemas"];
/**
 * A schema as the server returns it, shaped like the JSON on the wire: readOnly fields are plain values,
 * writeOnly fields are gone. (The generated `components` carry openapi-typescript's `$Read`/`$Write`
 * markers, which openapi-fetch reads; this type removes them.)
 */
export type ReadSchema<N extends SchemaName> = Readable<components["schemas"][N]>;
/** A schema as a request sends it: readOnly fields removed (and refused), writeOnly fields kept, no markers. */
export type WriteSchema<N extends SchemaName> = Writable<components["schemas"][N]>;
/** A feedback as the server returns it (`display_value` included). */
export type Feedback = ReadSchema<"Feedback">;

/** What you send to rate(): the writable form of the spec's request body (readOnly fields removed). */
export type FeedbackInput<M extends RateMediaType = "application/json"> = UndefinedOk<Writable<BodyContent<RateOperation>[M]>>;

export interface RateOptions extends RequestOptions {
  /** Request body encoding. @default the client's `mediaType`, "application/json" */
  mediaType?: RateMediaType;
}

export interface RateResult {
  status: number;
  headers: Headers;
  /** The server's request id, when it sent one. */
  requestId: string | undefined;
  /** Attempts made: 1 unless a safe retry happened. */
  attempts: number;
}

/** openapi-fetch's typed client over every path in the spec, routed through our request chain. */
export type ParadigmApi = Client<paths>;

export interface ParadigmClient {
  /**
   * Logs a feedback on a completion (`POST /api/v2/rate/{feedback_type_id}/{completion_id}`).
   * Resolves on 2xx; rejects with a ParadigmError subclass otherwise. Invalid input rejects with
   * ParadigmValidationError and sends nothing.
   */
  rate(
    feedbackTypeId: RatePathParams["feedback_type_id"],
    completionId: RatePathParams["completion_id"],
    feedback: FeedbackInput,
    options?: RateOptions,
  ): Promise<RateResult>;
  /**
   * Every operation in the spec, typed, with openapi-fetch's `{ data, error, response }` contract:
   * non-2xx statuses come back as `error`, while network failures, timeouts, aborts and invalid
   * input reject with ParadigmError subclasses. Safe retries apply here too.
   */
  readonly api: ParadigmApi;
  /** The resolved base URL. */
  readonly baseUrl: string;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

const isPlainData = (b: unknown) =>
  b !== null &&
  typeof b === "object" &&
  !(b instanceof FormData) &&
  !(b instanceof URLSearchParams) &&
  !(b instanceof Blob) &&
  !ArrayBuffer.isView(b) &&
  !(b instanceof ArrayBuffer);

function contentTypeOf(headers: unknown): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get("content-type") ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (k.toLowerCase() === "content-type" && typeof v === "string") return v;
  return undefined;
}

/** Creates a client. Throws ParadigmConfigError (nothing sent) when the key is missing or the base URL unusable. */
export function createParadigmClient(options?: ParadigmClientOptions): ParadigmClient {
  const base = resolveOptions(options);
  const transport = new Transport(base);
  const rateSpec = operationSpec("POST", RATE_PATH);
  if (!rateSpec) throw new ParadigmConfigError(`The generated operation table has no POST ${RATE_PATH}; rerun npm run generate.`);

  // Typed from the spec, never `number`/`string` by hand: a changed parameter type breaks callers only.
  async function rate(
    feedbackTypeId: RatePathParams["feedback_type_id"],
    completionId: RatePathParams["completion_id"],
    feedback: FeedbackInput,
    opts?: RateOptions,
  ): Promise<RateResult> {
    const o = opts ? mergeRequestOptions(base, opts) : base;
    const mediaType = opts?.mediaType ?? base.mediaType;
    const path = { feedback_type_id: feedbackTypeId, completion_id: completionId };
    if (base.validate) {
      const issues = validateOperation(rateSpec as NonNullable<typeof rateSpec>, { path, body: feedback, mediaType });
      if (issues.length) throw new ParadigmValidationError(issues);
    }
    const { body, contentType } =
      feedback === undefined ? { body: undefined, contentType: undefined } : encodeBody(feedback, mediaType, rateSpec?.body?.content[mediaType]);
    const { response, attempts } = await transport.execute(
      {
        method: "POST",
        url: base.baseUrl + fillPath(RATE_PATH, path),
        headers: contentType ? { "content-type": contentType } : {},
        body,
        signal: opts?.signal,
      },
      o,
    );
    return {
      status: response.status,
      headers: response.headers,
      requestId: response.headers.get("x-request-id") ?? response.headers.get("request-id") ?? undefined,
      attempts,
    };
  }

  // openapi-fetch builds a Request; we take its method, URL, headers and bytes and send them through
  // the chain. Buffering the body makes it replayable across retries.
  const viaChain = async (input: Request): Promise<Response> => {
    const headers: Record<string, string> = {};
    input.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const body = input.body ? await input.arrayBuffer() : undefined;
    const { response, bytes } = await transport.execute({ method: input.method, url: input.url, headers, body, signal: input.signal }, base, false);
    const out = new Response(NULL_BODY.has(response.status) ? null : bytes, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // A constructed Response has an empty url; keep the one that was really fetched.
    Object.defineProperty(out, "url", { value: response.url || input.url });
    return out;
  };
  const api = createClient<paths>({ baseUrl: base.baseUrl, fetch: viaChain });

  // Validate (and, for form and multipart, encode) before openapi-fetch sees the call.
  type Init = {
    params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
    body?: unknown;
    headers?: unknown;
  } & Record<string, unknown>;
  const prepare = (method: string, path: string, init: Init | undefined): Init | undefined => {
    // A per-call baseUrl gets the checks the client's got (credentials, query, plain http to a remote host).
    if (typeof init?.baseUrl === "string") checkBaseUrl(init.baseUrl, base.allowInsecureHttp);
    const spec = operationSpec(method, path);
    // No Content-Type given: an operation that declares a single media type (e.g. a multipart upload) uses it.
    const declared = spec?.body ? Object.keys(spec.body.content) : [];
    const media = contentTypeOf(init?.headers)?.split(";")[0]?.trim().toLowerCase() ?? (declared.length === 1 ? declared[0] : undefined);
    if (base.validate && spec) {
      const body = isPlainData(init?.body) || (init?.body !== undefined && typeof init?.body !== "object") ? init?.body : undefined;
      const issues = validateOperation(spec, { ...init?.params, body, mediaType: media });
      if (issues.length) throw new ParadigmValidationError(issues);
    }
    if (init && isPlainData(init.body) && (media === "application/x-www-form-urlencoded" || media === "multipart/form-data")) {
      const enc = encodeBody(init.body, media, spec?.body?.content[media]);
      const headers = new Headers(init.headers as HeadersInit);
      // Multipart: fetch must write Content-Type itself, with the boundary.
      if (enc.contentType) headers.set("content-type", enc.contentType);
      else headers.delete("content-type");
      return { ...init, body: enc.body, headers, bodySerializer: (b: unknown) => b };
    }
    return init;
  };
  // Our chain turns every failure into a ParadigmError, so a TypeError out of openapi-fetch comes from building
  // its Request (a header value with a line break, a URL fetch refuses): nothing was sent.
  const unbuilt = (e: unknown): never => {
    if (e instanceof TypeError && !(e instanceof ParadigmError))
      throw new ParadigmConfigError(`fetch cannot build this request: ${redact(redactUrl(e.message), base.apiKey)}. Nothing was sent.`);
    throw e;
  };
  const raw = api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const m of METHODS) {
    const send = raw[m] as (path: string, init?: Init) => Promise<unknown>;
    raw[m] = async (path: unknown, init?: unknown) => send(path as string, prepare(m, path as string, init as Init | undefined)).catch(unbuilt);
  }
  const request = raw.request as (method: string, path: string, init?: Init) => Promise<unknown>;
  raw.request = async (method: unknown, path: unknown, init?: unknown) =>
    request(method as string, path as string, prepare(String(method), path as string, init as Init | undefined)).catch(unbuilt);

  return { rate, api, baseUrl: base.baseUrl };
}
