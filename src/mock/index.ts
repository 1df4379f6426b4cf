// An in-process Prism server built from the effective spec (generated/openapi.yaml), on loopback and a
// free port. The main entry never imports this file: Prism is a dev/optional dependency.
//   mode "mock"  : Prism answers from the spec, validating requests (401, 415, 422 with every violation).
//   mode "proxy" : Prism forwards to `upstream` and, with `errors`, turns any response that breaks the
//                  spec into a 500 listing the violations (contract testing against a real server).
import { refusePlainHttp } from "../client/options.ts";
import { ParadigmConfigError } from "../core/errors.ts";
import { packageFile } from "../core/package-root.ts";

export interface MockOptions {
  /** Spec file Prism serves. @default the package's generated/openapi.yaml */
  spec?: string;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Forward to this server instead of mocking, validating both directions. @default undefined (mock) */
  upstream?: string | undefined;
  /** Turn spec violations into errors (500 for a bad response in proxy mode). @default true */
  errors?: boolean;
  /**
   * Allow a plain `http://` upstream that is not loopback. Prism forwards the `Authorization` header as is,
   * so this would send the API key in clear text.
   * @default false
   */
  allowInsecureUpstream?: boolean;
}

export interface MockServer {
  /** Base URL to pass to createParadigmClient({ baseUrl }). */
  url: string;
  close(): Promise<void>;
}

export const defaultSpecPath = (): string => packageFile("generated/openapi.yaml", import.meta.url);

function upstreamUrl(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ParadigmConfigError(`upstream is not an absolute URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ParadigmConfigError(`upstream must be http(s), got ${url.protocol}`);
  refusePlainHttp(url, allowInsecure, "allowInsecureUpstream");
  return url;
}

// Prism's finding for an undeclared status ("Unable to match the returned status code with those defined in the
// document: 200") does not say which status came back, and the 500 it answers hides it. This wraps Prism's own
// response validator to add it. It is not in Prism's public entry; if a Prism release moves it, Prism's message stays.
async function statusNamingValidator() {
  const validator = await import("@stoplight/prism-http/dist/validator/index.js").catch(() => undefined);
  const validateOutput = validator?.validateOutput;
  if (typeof validateOutput !== "function") return {};
  const named: typeof validateOutput = (opts) => {
    const result = validateOutput(opts);
    if (result._tag === "Right") return result;
    const [first, ...rest] = result.left.map((d) =>
      d.message.startsWith("Unable to match the returned status code ")
        ? { ...d, message: d.message.replace("the returned status code", `the returned status code ${opts.element.statusCode}`) }
        : d,
    );
    return first ? { _tag: "Left", left: [first, ...rest] } : result;
  };
  return { validateOutput: named };
}

/**
 * Starts Prism in this process. Always `close()` it: it holds a listening socket. Rejects with
 * ParadigmConfigError when it cannot listen (a port in use, a privileged port), naming the address.
 */
export async function startMock(options: MockOptions = {}): Promise<MockServer> {
  const upstream = options.upstream === undefined ? undefined : upstreamUrl(options.upstream, options.allowInsecureUpstream ?? false);
  const [{ createServer }, { getHttpOperationsFromSpec, ProblemJsonError }, { createLogger }] = await Promise.all([
    import("@stoplight/prism-http-server"),
    import("@stoplight/prism-http"),
    import("@stoplight/prism-core"),
  ]);
  const operations = await getHttpOperationsFromSpec(options.spec ?? defaultSpecPath());
  const logger = createLogger("paradigm-mock", { level: "silent" });
  const shared = {
    validateRequest: true,
    validateResponse: true,
    checkSecurity: true,
    errors: options.errors ?? true,
    upstreamProxy: undefined,
    mock: { dynamic: false },
  };
  const config = upstream ? { ...shared, isProxy: true as const, upstream } : { ...shared, isProxy: false as const };
  // In proxy mode Prism answers an upstream 501 from the spec instead ("remocking"): a server that has not
  // implemented the operation would then look like a conforming 200. Pass the 501 on instead. The mocker is
  // called for nothing else in proxy mode. `{ _tag: "Left" }` is fp-ts's Either, which Prism's core expects.
  const notImplemented = () => () => ({
    _tag: "Left" as const,
    left: ProblemJsonError.fromTemplate(
      { type: "UPSTREAM_NOT_IMPLEMENTED", title: "The upstream server answered 501 Not Implemented", status: 501 },
      "Prism would have answered from the spec instead; startMock() passes the 501 on so a contract test cannot mistake it for a conforming response.",
    ),
  });
  const components = upstream ? { logger, mock: notImplemented, ...(await statusNamingValidator()) } : { logger };
  const server = createServer(operations, { cors: true, config, components });
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  let url: string;
  try {
    url = await server.listen(port, host);
  } catch (e) {
    // Prism rejects with the bare message string of the socket error ("listen EADDRINUSE: …"), not an Error.
    const detail = e instanceof Error ? e.message : String(e);
    const why = /EADDRINUSE/.test(detail) ? "the address is already in use" : /EACCES/.test(detail) ? "permission denied" : detail;
    throw new ParadigmConfigError(`Could not listen on ${host}:${port}: ${why}.`, { cause: e });
  }
  return { url, close: () => server.close() };
}
