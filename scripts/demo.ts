// npm start: the main job. Sends one demo feedback through the real client and prints both sides.
// With PARADIGM_BASE_URL and PARADIGM_API_KEY set it talks to that server; otherwise it starts the
// embedded Prism mock (built from the vendored spec) on loopback and uses a throwaway key.
import { createParadigmClient, type FeedbackInput, ParadigmError } from "../src/client/index.ts";
import { type MockServer, startMock } from "../src/mock/index.ts";

const env = process.env;
const live = Boolean(env.PARADIGM_BASE_URL && env.PARADIGM_API_KEY);
let mock: MockServer | undefined;
let code = 0;
try {
  if (!live) mock = await startMock();
  const baseUrl = mock?.url ?? env.PARADIGM_BASE_URL;
  const client = createParadigmClient({ baseUrl, apiKey: live ? env.PARADIGM_API_KEY : "demo-key-not-secret" });
  const feedbackTypeId = Number(env.PARADIGM_DEMO_FEEDBACK_TYPE ?? 1);
  const completionId = env.PARADIGM_DEMO_COMPLETION ?? "demo-completion-1";
  const feedback: FeedbackInput = { flag: true, comment: "Sent by `npm start` (paradigm-client demo)" };

  console.log(
    live ? `Target: ${client.baseUrl} (PARADIGM_BASE_URL)` : `Target: embedded Prism mock at ${client.baseUrl} (no PARADIGM_BASE_URL/PARADIGM_API_KEY set)`,
  );
  console.log(`Sent:   POST /api/v2/rate/${feedbackTypeId}/${encodeURIComponent(completionId)}`);
  console.log(`        ${JSON.stringify(feedback)}`);
  const started = performance.now();
  const result = await client.rate(feedbackTypeId, completionId, feedback);
  console.log(
    `Got:    ${result.status} in ${Math.round(performance.now() - started)} ms, ${result.attempts} attempt(s)${result.requestId ? `, request id ${result.requestId}` : ""}`,
  );
} catch (e) {
  code = 1;
  if (e instanceof ParadigmError) console.error(`Failed: ${e.name}: ${e.message}`);
  else throw e;
} finally {
  await mock?.close();
}
process.exit(code);
