// An in-process Prism server built from the effective spec (generated/openapi.yaml), on loopback and a
// free port. The main entry never imports this file: Prism is a dev/optional dependency.
//   mode "mock"  : Prism answers from the spec, validating requests (401, 415, 422 with every violation).
//   mode "proxy" : Prism forwards to `upstream` and, with `errors`, turns any response that breaks the
//                  spec into a 500 listing the violations (contract testing against a real server).
import { fileURLToPath } from "node:url";

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
}

export interface MockServer {
  /** Base URL to pass to createParadigmClient({ baseUrl }). */
  url: string;
  close(): Promise<void>;
}

export const defaultSpecPath = (): string => fileURLToPath(new URL("../generated/openapi.yaml", import.meta.url));

/** Starts Prism in this process. Always `close()` it: it holds a listening socket. */
export async function startMock(options: MockOptions = {}): Promise<MockServer> {
  const [{ createServer }, { getHttpOperationsFromSpec }, { createLogger }] = await Promise.all([
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
  const config = options.upstream ? { ...shared, isProxy: true as const, upstream: new URL(options.upstream) } : { ...shared, isProxy: false as const };
  const server = createServer(operations, { cors: true, config, components: { logger } });
  const url = await server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  return { url, close: () => server.close() };
}
