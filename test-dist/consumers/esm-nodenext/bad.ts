import { createParadigmClient } from "paradigm-client";

const client = createParadigmClient({ apiKey: "consumer-key" });
// Deliberate type error: flag is boolean | null in the spec. The test expects TS2322 on the next line.
await client.rate(3, "cmpl", { flag: "yes" });
