// `npm run test:contract` with the DRF reference server as the live upstream: starts it, runs test/contract.test.ts
// with PARADIGM_CONTRACT_UPSTREAM pointing at it, and exits with vitest's status.
//   npx tsx test/reference-server/contract-live.ts            # passes: the server follows the published spec
//   npx tsx test/reference-server/contract-live.ts --deviant  # fails: 201 with a body, named by Prism's proxy
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REFERENCE_KEY, startReference } from "./start.ts";

const deviant = process.argv.includes("--deviant");
const root = fileURLToPath(new URL("../..", import.meta.url));
const ref = await startReference({ deviant });
console.error(`reference server (${deviant ? "deviant" : "as published"}) at ${ref.url}, up in ${ref.startupMs} ms`);
const child = spawn("npm", ["run", "test:contract"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PARADIGM_CONTRACT_UPSTREAM: ref.url,
    PARADIGM_API_KEY: REFERENCE_KEY,
    PARADIGM_CONTRACT_COMPLETION_ID: "cmpl-live",
    PARADIGM_CONTRACT_FEEDBACK_TYPE_ID: "1",
  },
});
const code = await new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? 1)));
const stored = await ref.stored();
console.error(`reference server stored ${stored.length} feedback(s) from the live scenarios`);
await ref.close();
process.exit(code);
