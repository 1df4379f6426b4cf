// The loopback server for the per-request benchmark, in its own process (pinned to its own core by run.mjs).
// POST /api/v2/rate/{int}/{id} with `Authorization: Bearer …` → 200, no body. No Bearer key → 401. Anything else → 404.
// It prints `PORT <n>` once listening and `COUNTS {...}` on SIGTERM (so run.mjs can check every request arrived).
import { createServer } from "node:http";

const RATE = /^\/api\/v2\/rate\/\d+\/[^/]+$/;
const counts = { ok: 0, unauthorized: 0, notFound: 0 };

const server = createServer((req, res) => {
  // Read the body to its end before answering: keep-alive reuse then never depends on Node discarding it.
  req.resume();
  req.on("end", () => {
    if (req.method !== "POST" || !RATE.test(req.url ?? "")) {
      counts.notFound++;
      res.writeHead(404, { "content-length": "0" }).end();
    } else if (!req.headers.authorization?.startsWith("Bearer ")) {
      counts.unauthorized++;
      res.writeHead(401, { "content-length": "0" }).end();
    } else {
      counts.ok++;
      res.writeHead(200, { "content-length": "0" }).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`PORT ${typeof addr === "object" && addr ? addr.port : 0}\n`);
});
process.on("SIGTERM", () => {
  process.stdout.write(`COUNTS ${JSON.stringify(counts)}\n`);
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
