// Run by every runtime (Node 20/22/24, Bun, Deno) against the Prism mock: `<runtime> handler.mjs <prismUrl>`.
// paradigm-client/handler uses Web Crypto and the Fetch API only: sign a token, hand the handler a Request as a
// browser would send it, and check it forwards to Prism (204) and refuses a flipped token (401) with nothing sent.
import { createParadigmClient } from "paradigm-client";
import { createFeedbackHandler, signFeedbackToken } from "paradigm-client/handler";

const deno = globalThis.Deno;
const baseUrl = deno ? deno.args[0] : process.argv[2];
const runtime = deno ? `deno ${deno.version.deno}` : globalThis.process?.versions?.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`;
const sent = [];
const client = createParadigmClient({
  apiKey: "runtime-key",
  baseUrl,
  fetch: async (input, init) => {
    const res = await fetch(input, init);
    sent.push(res.status);
    return res;
  },
});
const secret = "runtime-secret-0123456789abcdefghijklmnop";
const handler = createFeedbackHandler({ secret, client });
const token = await signFeedbackToken({ secret, completionId: "cmpl-runtime-handler", feedbackTypeIds: [3] });
const post = (t) =>
  handler(
    new Request("http://127.0.0.1/api/feedback", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: t, feedbackTypeId: 3, feedback: { flag: true } }),
    }),
  );
const ok = (await post(token)).status;
const flipped = (await post(token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"))).status;
console.log(JSON.stringify({ runtime, module: "esm", handler: ok, flipped, upstream: sent }));
