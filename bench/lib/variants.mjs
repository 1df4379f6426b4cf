// The clients under test. Each factory returns `send()`, which posts the same feedback once, resolves
// on 2xx and throws otherwise, and leaves no response body unread. Every client uses the global fetch,
// in its default configuration; the JavaScript-only measurement replaces the global fetch with a stub.
import { pathToFileURL } from "node:url";

export const FEEDBACK = { value: 4, flag: true, tag: "bench", comment: "fast enough" };
export const FEEDBACK_TYPE_ID = 42;
export const COMPLETION_ID = "cmpl-0001";
export const RATE_TEMPLATE = "/api/v2/rate/{feedback_type_id}/{completion_id}";
export const API_KEY = "bench-key-0123456789";

/** Calls `send` n times with `c` calls in flight: the hand-written Promise pool every concurrent row uses. */
export async function pool(send, n, c) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
}

/** Where paradigm-client is imported from: PARADIGM_ENTRY (set by run.mjs), a built file or src/client/index.ts. */
export const paradigmEntry = () => process.env.PARADIGM_ENTRY ?? new URL("../../src/client/index.ts", import.meta.url).href;

const load = (e) => import(e.startsWith("file:") ? e : pathToFileURL(e).href);
const importParadigm = () => load(paradigmEntry());

/**
 * createApi(client) from paradigm-client/api (PARADIGM_API_ENTRY, set by run.mjs when the tree has src/api), where
 * the typed api moved; client.api (which now throws, naming createApi) only for a build from before the move.
 */
async function typedApi(client) {
  const entry = process.env.PARADIGM_API_ENTRY;
  if (!entry) return client.api;
  const { createApi } = await load(entry);
  return createApi(client);
}

const ok = (status) => {
  if (status < 200 || status > 299) throw new Error(`unexpected status ${status}`);
};

export const VARIANTS = {
  /** What a careful hand-written call does: build init, fetch, check, read the (empty) body. */
  async fetch({ baseUrl }) {
    const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
    return async () => {
      const r = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(FEEDBACK),
      });
      ok(r.status);
      await r.arrayBuffer();
    };
  },

  /** undici's own request API: no WHATWG Request/Response objects. The floor for Node. */
  async undici({ baseUrl }) {
    const { request } = await import("undici");
    const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
    return async () => {
      const r = await request(url, {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(FEEDBACK),
      });
      ok(r.statusCode);
      await r.body.dump();
    };
  },

  /** openapi-fetch as its README shows it: createClient + an auth middleware. */
  async "openapi-fetch"({ baseUrl }) {
    const { default: createClient } = await import("openapi-fetch");
    const client = createClient({ baseUrl });
    client.use({
      onRequest({ request }) {
        request.headers.set("authorization", `Bearer ${API_KEY}`);
        return request;
      },
    });
    return async () => {
      const { response } = await client.POST(RATE_TEMPLATE, {
        params: { path: { feedback_type_id: FEEDBACK_TYPE_ID, completion_id: COMPLETION_ID } },
        body: FEEDBACK,
      });
      ok(response.status);
    };
  },

  /** paradigm-client's rate(): validation, auth, timeout, safe retries and typed errors all on (the defaults). */
  async "paradigm rate()"({ baseUrl }) {
    const { createParadigmClient } = await importParadigm();
    const client = createParadigmClient({ apiKey: API_KEY, baseUrl });
    return async () => {
      const r = await client.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
      ok(r.status);
    };
  },

  /** paradigm-client's typed api (openapi-fetch routed through our chain); JavaScript-only table. */
  async "paradigm api.POST"({ baseUrl }) {
    const { createParadigmClient } = await importParadigm();
    const api = await typedApi(createParadigmClient({ apiKey: API_KEY, baseUrl }));
    return async () => {
      const { response } = await api.POST(RATE_TEMPLATE, {
        params: { path: { feedback_type_id: FEEDBACK_TYPE_ID, completion_id: COMPLETION_ID } },
        body: FEEDBACK,
      });
      ok(response.status);
    };
  },

  async ky({ baseUrl }) {
    const { default: ky } = await import("ky");
    const api = ky.create({ headers: { authorization: `Bearer ${API_KEY}` } });
    const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
    return async () => {
      const r = await api.post(url, { json: FEEDBACK });
      ok(r.status);
      await r.arrayBuffer();
    };
  },

  // Diagnostic variants: raw fetch plus one piece of what the transport adds, to price that piece on the real network path.
  /** Raw fetch, plus the transport's per-attempt AbortController + setTimeout/clearTimeout + signal. */
  async "fetch + timeout signal"({ baseUrl }) {
    const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
    return async () => {
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), 30_000);
      try {
        const r = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify(FEEDBACK),
          signal: ctrl.signal,
        });
        ok(r.status);
        await r.arrayBuffer();
      } finally {
        clearTimeout(timer);
      }
    };
  },

  /** Raw fetch given a Request object, as openapi-fetch does. */
  async "fetch(new Request)"({ baseUrl }) {
    const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
    return async () => {
      const r = await fetch(
        new Request(url, {
          method: "POST",
          headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify(FEEDBACK),
        }),
      );
      ok(r.status);
      await r.arrayBuffer();
    };
  },
};
