// A CommonJS project ("type": "commonjs", module node16): TypeScript emits require() calls, so this loads
// dist/index.cjs and dist/mock.cjs and type-checks against the .d.cts declarations.
import { createParadigmClient, type FeedbackInput, ParadigmValidationError } from "paradigm-client";
import { startMock } from "paradigm-client/mock";

async function main(): Promise<void> {
  const mock = await startMock();
  try {
    const client = createParadigmClient({ apiKey: "consumer-key", baseUrl: mock.url });
    const feedback: FeedbackInput = { flag: false, value: null, tag: "cjs", comment: "from require()" };
    const res = await client.rate(3, "cmpl-cjs", feedback, { mediaType: "application/x-www-form-urlencoded" });
    const invalid = await client.rate(3, "cmpl-cjs", { tag: "x".repeat(121) }).catch((e: unknown) => e);
    console.log(JSON.stringify({ rate: res.status, validationError: invalid instanceof ParadigmValidationError }));
  } finally {
    await mock.close();
  }
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
