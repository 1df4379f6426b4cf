// Adapter for node:http and Express: (req, res) → the Fetch-API handler → res. Structural types only, so this entry
// imports nothing from node: and its .d.ts needs no @types/node.

/** The parts of node:http's IncomingMessage (or Express's req) the adapter reads. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  /** Express keeps the mounted path here; `url` is then relative to the mount point. */
  originalUrl?: string | undefined;
  /** Alternating names and values, as received. */
  rawHeaders: string[];
  headers: { host?: string | undefined };
}

/** The parts of node:http's ServerResponse (or Express's res) the adapter writes. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Uint8Array): unknown;
}

/**
 * Wraps a Fetch-API handler for node:http or Express: `http.createServer(toNodeListener(handler))`,
 * `app.post("/feedback", toNodeListener(handler))`. Mount it before any body parser (express.json() would
 * consume the body). The body is streamed, so the handler's size limit applies before it is all read.
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>): (req: NodeRequestLike, res: NodeResponseLike) => Promise<void> {
  return async (req, res) => {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      try {
        headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
      } catch {
        // A header name fetch refuses: the handler does not read it.
      }
    }
    const method = (req.method ?? "GET").toUpperCase();
    const url = `http://${req.headers.host ?? "localhost"}${req.originalUrl ?? req.url ?? "/"}`;
    const source = req[Symbol.asyncIterator]();
    const enc = new TextEncoder();
    const body =
      method === "GET" || method === "HEAD"
        ? null
        : new ReadableStream<Uint8Array>({
            async pull(ctl) {
              const { value, done } = await source.next();
              if (done) ctl.close();
              else ctl.enqueue(typeof value === "string" ? enc.encode(value) : new Uint8Array(value));
            },
            async cancel() {
              await source.return?.();
            },
          });
    let request: Request;
    try {
      request = new Request(url, { method, headers, body, duplex: "half" } as RequestInit);
    } catch {
      // An unparseable Host header: nothing the handler could answer.
      res.writeHead(400, { "content-type": "application/problem+json" });
      res.end(enc.encode('{"type":"about:blank","title":"Bad request","status":400}'));
      return;
    }
    const response = await handler(request);
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      out[k] = v;
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    res.writeHead(response.status, out);
    res.end(bytes.length ? bytes : undefined);
  };
}
