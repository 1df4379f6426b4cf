// A scripted fault-injection HTTP server for tests: node:http on loopback, one behaviour per request.
// Each request is recorded (method, url, headers, body) before its behaviour runs, so a test can assert
// exactly how many requests reached the server and that a retried body was byte-identical.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** Name, value, name, value… as they came on the wire (duplicates and case kept). */
  rawHeaders: string[];
  body: string;
}

/** What the server does with one request, after reading its whole body. */
export type Step = (req: IncomingMessage, res: ServerResponse) => void;

export interface FaultServer {
  /** Base URL, e.g. http://127.0.0.1:12345 */
  url: string;
  port: number;
  /** Every request the server read, in order. */
  requests: Seen[];
  close(): Promise<void>;
}

/** Answers with a status, headers and a body (a string, or an object sent as JSON). */
export const reply =
  (status: number, body: unknown = "", headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    const json = typeof body !== "string";
    res.writeHead(status, json ? { "content-type": "application/json", ...headers } : headers);
    res.end(json ? JSON.stringify(body) : body);
  };

/** Sends a TCP RST after reading the request, before any response byte (client sees ECONNRESET). */
export const resetBeforeResponse: Step = (req) => {
  req.socket.resetAndDestroy();
};

/** Closes the connection (FIN) after reading the request, without answering (undici: "other side closed"). */
export const closeWithoutAnswer: Step = (req) => {
  req.socket.destroy();
};

/** Sends 200 headers announcing 100 bytes, 3 of them, then resets the connection. */
export const resetMidBody: Step = (req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
  res.write('{"a', () => setTimeout(() => req.socket.resetAndDestroy(), 20));
};

/** Reads the request and never answers. The server's close() ends the connection. */
export const hang: Step = () => {};

/** Sends the status line at once, then one chunk of the body every `gapMs`. */
export const slowBody =
  (chunks: string[], gapMs: number, status = 200): Step =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i === chunks.length) return void res.end();
      res.write(chunks[i++] as string);
      setTimeout(next, gapMs);
    };
    next();
  };

/**
 * Starts a server that runs `script[i]` for the i-th request (the last step repeats once the script is used up).
 * `port` lets a test bring a server up on a port that refused connections a moment ago.
 */
export async function startFaultServer(script: Step[], port = 0): Promise<FaultServer> {
  const requests: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const step = script[Math.min(requests.length - 1, script.length - 1)] ?? reply(200);
      step(req, res);
    });
  });
  // Keep-alive sockets would otherwise linger after a test; the client under test must not depend on them.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (connecting gives ECONNREFUSED). */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
