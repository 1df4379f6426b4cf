import { createParadigmClient } from "paradigm-client";

const client = createParadigmClient({ apiKey: "consumer-key" });
// Deliberate type error: feedback_type_id is an integer in the spec. The test expects TS2345 on the next line.
void client.rate("3", "cmpl", { flag: true });
