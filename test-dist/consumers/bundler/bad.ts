import { createParadigmClient } from "paradigm-client";

const client = createParadigmClient({ apiKey: "consumer-key" });
// Deliberate type error: display_value is readOnly (set by the server). The test expects TS2322 on the next line.
await client.rate(3, "cmpl", { flag: true, display_value: "yes" });
