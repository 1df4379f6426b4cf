// paradigm-client/api: openapi-fetch's typed client for every operation in the spec, over a client made by
// createParadigmClient(). Its own entry so that a bundle calling only rate() holds no openapi-fetch.
// Every call goes through the client's preparation (src/spec/prepare.ts: validate, then encode) and its request
// chain (src/client/transport.ts): auth, logging, timeout, retries by src/core/delivery.ts's rule, typed errors.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/schema.ts";
import { clientInternals, type ParadigmClient } from "../client/client.ts";
import { checkBaseUrl, type ResolvedOptions, redactUrl } from "../client/options.ts";
import { redact, type Transport } from "../client/transport.ts";
import { ParadigmConfigError, ParadigmError } from "../core/errors.ts";
import { checkCall, encodeCall, HTTP_METHODS, type Prepared } from "../spec/prepare.ts";
import { operationSpec } from "../spec/validate.ts";

/** openapi-fetch's typed client over every path in the spec, routed through the client's request chain. */
export type ParadigmApi = Client<paths>;

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Every operation in the spec, typed, with openapi-fetch's `{ data, error, response }` contract, sent with
 * `client`'s key, base URL and options: non-2xx statuses come back as `error`, while network failures, timeouts,
 * aborts and invalid input reject with ParadigmError subclasses. Safe retries apply here too.
 * Throws ParadigmConfigError when `client` was not made by createParadigmClient().
 */
export function createApi(client: ParadigmClient): ParadigmApi {
  const { base, transport } = clientInternals(client);
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

/** An api call's options, as far as preparation reads them. */
type Init = {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> };
  body?: unknown;
  headers?: unknown;
  bodySerializer?: unknown;
} & Record<string, unknown>;

/** The shared preparation, for an api call: its body goes to openapi-fetch encoded, with a matching Content-Type. */
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
