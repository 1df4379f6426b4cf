// A throwaway PostgreSQL cluster for test-dist/run.mjs (plain .mjs, so it cannot import the TypeScript fixture):
// `node --import tsx test-dist/postgres-cluster.ts` prints {"url":…} as one JSON line, then stops the server and
// removes its directory when its stdin closes (the parent ended, however it ended).
import { startPostgres } from "../test/fixtures/postgres.ts";

const pg = await startPostgres();
process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);
process.stdin.resume();
process.stdin.once("close", () => void pg.stop());
