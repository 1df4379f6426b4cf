// createParadigmClient: rate() on a direct hot path, and `api`, openapi-fetch's typed client for every
// operation in the spec. Both go through the same preparation (src/spec/prepare.ts: validate, then encode) and the
// same request chain (src/client/transport.ts): auth, logging, timeout, retries by src/core/delivery.ts's rule, typed errors.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths, Readable, Writable } from "../../generated/schema.ts";
import { ParadigmConfigError, ParadigmError } from "../core/errors.ts";
import { fillPath, type MediaType } from "../spec/encode.ts";
import { checkCall, encodeCall, HTTP_METHODS, type Prepared, prepareCall, RATE_PATH, rateOperation } from "../spec/prepare.ts";
import { operationSpec } from "../spec/validate.ts";
import {
  checkBaseUrl,
  mergeRequestOptions,
  type ParadigmClientOptions,
  type RequestOptions,
  type ResolvedOptions,
  redactUrl,
  resolveOptions,
} from "./options.ts";
import { redact, Transport } from "./transport.ts";

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
  mediaType?: RateMediaType | undefined;
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

/** Creates a client. Throws ParadigmConfigError (nothing sent) when the key is missing or the base URL unusable. */
export function createParadigmClient(options?: ParadigmClientOptions): ParadigmClient {
  const base = resolveOptions(options);
  const transport = new Transport(base);
  return { rate: rateMethod(base, transport), api: typedApi(base, transport), baseUrl: base.baseUrl };
}

/** rate(): prepared and sent directly, without openapi-fetch's Request (most of its per-call cost). */
function rateMethod(base: ResolvedOptions, transport: Transport): ParadigmClient["rate"] {
  const op = rateOperation();
  // Typed from the spec, never `number`/`string` by hand: a changed parameter type breaks callers only.
  return async (feedbackTypeId, completionId, feedback, opts) => {
    const path = { feedback_type_id: feedbackTypeId, completion_id: completionId };
    const { body, contentType } = prepareCall(op, { path, body: feedback, mediaType: opts?.mediaType ?? base.mediaType }, base.validate);
    const { response, attempts } = await transport.execute(
      {
        method: "POST",
        url: base.baseUrl + fillPath(RATE_PATH, path),
        headers: contentType ? { "content-type": contentType } : {},
        body,
        signal: opts?.signal,
      },
      opts ? mergeRequestOptions(base, opts) : base,
    );
    return {
      status: response.status,
      headers: response.headers,
      requestId: response.headers.get("x-request-id") ?? response.headers.get("request-id") ?? undefined,
      attempts,
    };
  };
}

/**
 * `api`: a wrapper with openapi-fetch's typed methods, each calling the real one (created once, never modified)
 * with the call prepared first. openapi-fetch then builds its Request and hands it to our chain as its `fetch`.
 */
function typedApi(base: ResolvedOptions, transport: Transport): ParadigmApi {
  const inner = createClient<paths>({ baseUrl: base.baseUrl, fetch: (input) => viaChain(input, base, transport) });
  const request = inner.request as (method: string, path: string, init?: Init) => Promise<unknown>;
  const call = async (method: string, path: string, init?: Init) =>
    request(method, path, prepareInit(base, method.toUpperCase(), path, init)).catch(unbuilt(base));
  const api = {
    request: call,
    use: (...middleware: Middleware[]) => inner.use(...middleware),
    eject: (...middleware: Middleware[]) => inner.eject(...middleware),
    ...Object.fromEntries(HTTP_METHODS.map((m) => [m, (path: string, init?: Init) => call(m, path, init)])),
  };
  // openapi-fetch's methods are generic over every path; ours forward their arguments unchanged, so its types hold.
  return api as unknown as ParadigmApi;
}

// openapi-fetch built a Request; we take its method, URL, headers and bytes and send them through the chain.
// Buffering the body makes it replayable across retries.
async function viaChain(input: Request, base: ResolvedOptions, transport: Transport): Promise<Response> {
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
}

/** A client.api call's options, as far as preparation reads them. */
type Init = {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  body?: unknown;
  headers?: unknown;
  bodySerializer?: unknown;
} & Record<string, unknown>;

/** The shared preparation, for a client.api call: its body goes to openapi-fetch encoded, with a matching Content-Type. */
function prepareInit(base: ResolvedOptions, method: string, path: string, init: Init | undefined): Init | undefined {
  // A per-call baseUrl gets the checks the client's got (credentials, query, plain http to a remote host).
  if (typeof init?.baseUrl === "string") checkBaseUrl(init.baseUrl, base.allowInsecureHttp);
  const op = operationSpec(method, path);
  const given = contentTypeOf(init?.headers);
  // No Content-Type given: an operation that declares a single media type (e.g. a multipart upload) uses it.
  const declared = op?.body ? Object.keys(op.body.content) : [];
  const mediaType = given?.split(";")[0]?.trim().toLowerCase() ?? (declared.length === 1 ? declared[0] : undefined);
  const call = { ...init?.params, body: init?.body, mediaType };
  if (base.validate && op) checkCall(op, call);
  // No body, or the caller's own serializer encodes it (it was checked above, as data or as a prebuilt body).
  if (!init || init.body === undefined || init.bodySerializer) return init;
  const prepared = encodeCall(op, call);
  return { ...init, body: prepared.body, headers: withContentType(init.headers, prepared, given !== undefined), bodySerializer: asIs };
}

const asIs = (b: unknown) => b;

/**
 * The call's headers with the Content-Type the body calls for: removed for multipart (fetch writes the boundary),
 * set when the caller gave none. Copied, never turned into Headers here: openapi-fetch reads `null` as "unset".
 */
function withContentType(headers: unknown, { contentType }: Prepared, given: boolean): unknown {
  if (contentType === undefined || (given && contentType !== null)) return headers;
  const value = contentType ?? null;
  if (headers instanceof Headers || Array.isArray(headers)) {
    const h = new Headers(headers as HeadersInit);
    if (value === null) h.delete("content-type");
    else h.set("content-type", value);
    return h;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((headers as Record<string, unknown> | undefined) ?? {})) if (k.toLowerCase() !== "content-type") out[k] = v;
  out["content-type"] = value;
  return out;
}

function contentTypeOf(headers: unknown): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get("content-type") ?? undefined;
  const entries = Array.isArray(headers) ? (headers as [string, unknown][]) : Object.entries(headers as Record<string, unknown>);
  for (const [k, v] of entries) if (k.toLowerCase() === "content-type" && typeof v === "string") return v;
  return undefined;
}

// Our chain turns every failure into a ParadigmError, so a TypeError out of openapi-fetch comes from building
// its Request (a header value with a line break, a URL fetch refuses): nothing was sent.
const unbuilt =
  (base: ResolvedOptions) =>
  (e: unknown): never => {
    if (e instanceof TypeError && !(e instanceof ParadigmError))
      throw new ParadigmConfigError(`fetch cannot build this request: ${redact(redactUrl(e.message), base.apiKey).replace(/\.$/, "")}. Nothing was sent.`);
    throw e;
  };
