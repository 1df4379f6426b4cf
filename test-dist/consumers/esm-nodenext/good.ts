// An ESM Node project (moduleResolution nodenext, no DOM lib): the published types must stand on @types/node alone.
// Starts the package's own mock (paradigm-client/mock, Prism installed as the optional peer) and logs a feedback.
import { createParadigmClient, type FeedbackInput, ParadigmValidationError, type RateResult } from "paradigm-client";
import { createApi } from "paradigm-client/api";
import { type MockServer, startMock } from "paradigm-client/mock";

const mock: MockServer = await startMock();
try {
  const client = createParadigmClient({ apiKey: "consumer-key", baseUrl: mock.url });
  const feedback: FeedbackInput = { flag: true, value: 4, tag: "esm-nodenext", comment: null };
  const res: RateResult = await client.rate(3, "cmpl-esm", feedback);
  const { response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
    params: { path: { feedback_type_id: 3, completion_id: "cmpl-esm-api" } },
    body: { flag: false },
  });
  const invalid = await client.rate(3, "cmpl-esm", { tag: "x".repeat(121) }).catch((e: unknown) => e);
  console.log(JSON.stringify({ rate: res.status, api: response.status, validationError: invalid instanceof ParadigmValidationError }));
} finally {
  await mock.close();
}
