// createParadigmClient: rate() on a direct hot path. Every other operation is typed by paradigm-client/api
// (src/api/index.ts), a separate entry so that rate() alone bundles no openapi-fetch. Both go through the same
// preparation (src/spec/prepare.ts: validate, then encode) and the same request chain (src/client/transport.ts):
// auth, logging, timeout, retries by src/core/delivery.ts's rule, typed errors.
import type { Client } from "openapi-fetch";
import type { components, paths, Readable, Writable } from "../../generated/schema.ts";
import { ParadigmConfigError } from "../core/errors.ts";
import { fillPath, type MediaType } from "../spec/encode.ts";
import { prepareCall, RATE_PATH, rateOperation } from "../spec/prepare.ts";
import { mergeRequestOptions, type ParadigmClientOptions, type RequestOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { Transport } from "./transport.ts";

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

/** openapi-fetch's typed client over every path in the spec, as `createApi(client)` (paradigm-client/api) returns it. */
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
  /** The resolved base URL. */
  readonly baseUrl: string;
}

// Where paradigm-client/api finds a client's options and request chain: a non-enumerable property under a
// registered symbol, so a client made by another copy of the package (ESM next to CJS) is still recognised.
const INTERNALS = Symbol.for("paradigm-client.internals");
interface Internals {
  base: ResolvedOptions;
  transport: Transport;
}

/** The options and request chain behind a client. Throws ParadigmConfigError for an object createParadigmClient() did not make. */
export function clientInternals(client: ParadigmClient): Internals {
  const internals = (client as { [INTERNALS]?: Internals } | null | undefined)?.[INTERNALS];
  if (!internals) throw new ParadigmConfigError("createApi() takes a client made by createParadigmClient().");
  return internals;
}

/** Creates a client. Throws ParadigmConfigError (nothing sent) when the key is missing or the base URL unusable. */
export function createParadigmClient(options?: ParadigmClientOptions): ParadigmClient {
  const base = resolveOptions(options);
  const transport = new Transport(base);
  const client = Object.defineProperty({ rate: rateMethod(base, transport), baseUrl: base.baseUrl }, INTERNALS, { value: { base, transport } });
  // JavaScript callers of the old client.api get the way forward, not "cannot read properties of undefined".
  return Object.defineProperty(client, "api", { get: movedApi });
}

function movedApi(): never {
  throw new ParadigmConfigError("client.api moved: use createApi(client) from paradigm-client/api");
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
