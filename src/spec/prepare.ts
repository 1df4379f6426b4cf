// The one preparation path: a call is validated against its operation (src/spec/validate.ts), then its body is encoded
// (src/spec/encode.ts). rate() and every client.api operation pass here, so they accept and refuse the same bodies.
import type { paths } from "../../generated/schema.ts";
import { ParadigmConfigError, ParadigmValidationError } from "../core/errors.ts";
import { encodeBody } from "./encode.ts";
import { type OperationSpec, type Outgoing, operationSpec, validateOperation } from "./validate.ts";

/** The rate operation's path template, as the spec and the generated tables key it. */
export const RATE_PATH = "/api/v2/rate/{feedback_type_id}/{completion_id}" satisfies keyof paths;

/** The HTTP methods an OpenAPI path item can hold, as openapi-fetch names its methods. */
export const HTTP_METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

/** The generated table of the rate operation. Throws ParadigmConfigError when generated/ lacks it (stale or hand-edited). */
export function rateOperation(): OperationSpec {
  const op = operationSpec("POST", RATE_PATH);
  if (!op) throw new ParadigmConfigError(`The generated operation table has no POST ${RATE_PATH}; rerun npm run generate.`);
  return op;
}

/**
 * A body the caller encoded already: sent as given, never read field by field. Its media type is the caller's
 * (a Blob's own `type`, URLSearchParams' form type, FormData's multipart with fetch's boundary).
 */
export const isPrebuilt = (b: unknown): b is FormData | URLSearchParams | Blob | ArrayBuffer | ArrayBufferView | ReadableStream =>
  b instanceof FormData ||
  b instanceof URLSearchParams ||
  b instanceof Blob ||
  b instanceof ArrayBuffer ||
  ArrayBuffer.isView(b) ||
  b instanceof ReadableStream;

export interface Prepared {
  body: BodyInit | undefined;
  /**
   * The Content-Type the body calls for: a string to set, `null` to remove any (multipart: fetch writes it, with
   * the boundary), `undefined` when the body has no say (none, or bytes whose type only the caller knows).
   */
  contentType: string | null | undefined;
}

/**
 * Validates a call (unless `validate` is false), then encodes its body: the path rate() and client.api share.
 * Throws ParadigmValidationError listing every problem; nothing is sent then.
 */
export function prepareCall(op: OperationSpec | undefined, call: Outgoing, validate: boolean): Prepared {
  if (validate && op) checkCall(op, call);
  return encodeCall(op, call);
}

/**
 * Throws ParadigmValidationError when the call breaks its operation. A prebuilt body has its parameters checked and
 * its presence counted (a required body is satisfied), but its content is the caller's, never read.
 */
export function checkCall(op: OperationSpec, call: Outgoing): void {
  const issues = isPrebuilt(call.body) && op.body ? validateOperation(withoutBodySchema(op), { ...call, body: undefined }) : validateOperation(op, call);
  if (issues.length) throw new ParadigmValidationError(issues);
}

/** Encodes the body for `call.mediaType` (JSON when not given); a prebuilt body goes as is. */
export function encodeCall(op: OperationSpec | undefined, call: Outgoing): Prepared {
  const { body } = call;
  if (body === undefined) return { body: undefined, contentType: undefined };
  if (isPrebuilt(body)) return prebuiltBody(body);
  const media = call.mediaType ?? "application/json";
  const enc = encodeBody(body, media, op?.body?.content[media]);
  return { body: enc.body, contentType: enc.contentType ?? null };
}

const withoutBodySchema = ({ body: _, ...op }: OperationSpec): OperationSpec => op;

function prebuiltBody(body: FormData | URLSearchParams | Blob | ArrayBuffer | ArrayBufferView | ReadableStream): Prepared {
  if (body instanceof URLSearchParams) return { body: body.toString(), contentType: "application/x-www-form-urlencoded" };
  if (body instanceof FormData) return { body, contentType: null };
  if (body instanceof Blob) return { body, contentType: body.type || undefined };
  return { body: body as BodyInit, contentType: undefined };
}
