// Preloaded into every Node process of a pipeline step (NODE_OPTIONS=--import=…) when /usr/bin/time is
// missing: appends this process's peak RSS in kB to RSS_PROBE_FILE on exit.
import { appendFileSync } from "node:fs";

const file = process.env.RSS_PROBE_FILE;
if (file) process.on("exit", () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
