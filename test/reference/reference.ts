// One reference server per test file: started before the file's tests, reset before each test, closed after.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createParadigmClient, type ParadigmClient, type ParadigmClientOptions } from "../../src/client/index.ts";
import { REFERENCE_KEY, type ReferenceOptions, type ReferenceServer, type ResetOptions, startReference } from "../reference-server/start.ts";

export { REFERENCE_KEY };

export interface ReferenceContext {
  server: ReferenceServer;
  /** A client with the server's key and URL. */
  client: ParadigmClient;
  /** Another client against the same server, with extra options. */
  clientWith(options: ParadigmClientOptions): ParadigmClient;
}

export function useReference(options: ReferenceOptions = {}, eachTest: ResetOptions = {}): ReferenceContext {
  const ctx = {} as ReferenceContext;
  beforeAll(async () => {
    ctx.server = await startReference(options);
    console.error(`reference server up in ${ctx.server.startupMs} ms`);
    ctx.clientWith = (o) => createParadigmClient({ apiKey: REFERENCE_KEY, baseUrl: ctx.server.url, ...o });
    ctx.client = ctx.clientWith({});
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  beforeEach(async () => {
    await ctx.server.reset(eachTest);
  });
  return ctx;
}
