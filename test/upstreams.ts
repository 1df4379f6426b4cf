// Local stand-ins for the Paradigm server, for contract tests through Prism's validation proxy
// (test/contract.test.ts), and a reader for what Prism says about a response.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { ParadigmAPIError } from "../src/client/index.ts";

/** One request as the upstream received it, body decoded by its Content-Type. */
export interface RecordedRequest {
  method: string;
  /** The raw path, percent-encoding untouched. */
  path: string;
  /** The path's segments, each percent-decoded. */
  segments: string[];
  contentType: string | undefined;
  authorization: string | undefined;
  /** JSON parsed; form and multipart as an object of field → value; other bodies as text; undefined when empty. */
  body: unknown;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Upstream {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function decodeBody(bytes: Buffer, contentType: string | undefined): Promise<unknown> {
  if (bytes.length === 0) return undefined;
  const media = contentType?.split(";")[0]?.trim().toLowerCase();
  if (media === "application/json") return JSON.parse(bytes.toString("utf8"));
  if (media === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(bytes.toString("utf8")));
  if (media === "multipart/form-data") {
    // undici's multipart parser: the same one a fetch-based server would use.
    const form = await new Response(new Uint8Array(bytes), { headers: { "content-type": contentType ?? "" } }).formData();
    return Object.fromEntries(form.entries());
  }
  return bytes.toString("utf8");
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const path = (req.url ?? "").split("?")[0] ?? "";
  const contentType = req.headers["content-type"];
  return {
    method: req.method ?? "",
    path,
    segments: path.split("/").slice(1).map(decodeURIComponent),
    contentType,
    authorization: req.headers.authorization,
    body: await decodeBody(Buffer.concat(chunks), contentType),
  };
}

/** An HTTP server on 127.0.0.1 and a free port that records each request and answers with `respond`. */
export async function startUpstream(respond: (req: RecordedRequest) => Reply): Promise<Upstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    record(req).then(
      (seen) => {
        requests.push(seen);
        const reply = respond(seen);
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
      },
      (e: unknown) => {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`upstream could not read the request: ${String(e)}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

const unauthorized: Reply = {
  status: 401,
  headers: { "content-type": "application/json" },
  body: '{"detail":"Authentication credentials were not provided."}',
};

/** Answers as the spec says: 200 with no body for a bearer-authenticated request, 401 otherwise. */
export const conforming = (req: RecordedRequest): Reply => (/^Bearer \S+$/.test(req.authorization ?? "") ? { status: 200 } : unauthorized);

/** Answers `reply` to any authenticated request (e.g. a status the spec does not declare), 401 otherwise. */
export const answering =
  (reply: Reply) =>
  (req: RecordedRequest): Reply =>
    /^Bearer \S+$/.test(req.authorization ?? "") ? reply : unauthorized;

// ---------------------------------------------------------------------------------------------------------

/** One finding of Prism's validator, as it reports it in a VIOLATIONS body or the `sl-violations` header. */
export interface Violation {
  /** "request" or "response", then the path inside it, joined with ".". */
  location: string;
  severity: string;
  message: string;
}

/** What Prism, rather than the upstream, answered: its problem type (without the URL prefix) and findings. */
export interface PrismVerdict {
  /** "VIOLATIONS", "UNPROCESSABLE_ENTITY", "UNAUTHORIZED", "NO_PATH_MATCHED_ERROR", …; undefined when the answer is the upstream's. */
  problem: string | undefined;
  /** Every finding: from Prism's problem body (`validation`) or, when the upstream's answer passed, the `sl-violations` header. */
  violations: Violation[];
}

const PRISM_PROBLEM = "https://stoplight.io/prism/errors#";

function asViolations(list: unknown): Violation[] {
  if (!Array.isArray(list)) return [];
  return list.map((v: { location?: unknown; severity?: unknown; message?: unknown }) => ({
    location: Array.isArray(v.location) ? v.location.join(".") : "",
    severity: String(v.severity ?? "Error"),
    message: String(v.message ?? ""),
  }));
}

/**
 * Reads Prism's verdict on one call: pass what rate() resolved with or rejected with. The upstream's own
 * non-2xx answers pass through Prism (with a Warning in `sl-violations` when the spec does not declare them).
 */
export function prismVerdict(outcome: unknown): PrismVerdict {
  const headers = outcome instanceof ParadigmAPIError ? outcome.headers : (outcome as { headers?: unknown })?.headers;
  const header = headers instanceof Headers ? headers.get("sl-violations") : null;
  let fromHeader: Violation[] = [];
  if (header) {
    try {
      fromHeader = asViolations(JSON.parse(header));
    } catch {
      // Prism truncates an over-long header ("Too many violations! …"): keep it readable as one finding.
      fromHeader = [{ location: "", severity: "Error", message: header }];
    }
  }
  const body = outcome instanceof ParadigmAPIError ? (outcome.body as { type?: unknown; validation?: unknown }) : undefined;
  const type = typeof body?.type === "string" && body.type.startsWith(PRISM_PROBLEM) ? body.type.slice(PRISM_PROBLEM.length) : undefined;
  const fromBody = type ? asViolations(body?.validation) : [];
  return { problem: type, violations: fromBody.length ? fromBody : fromHeader };
}

/**
 * Why this call breaks the contract, one readable line each; [] when it does not. Prism refusing our
 * request, or flagging the upstream's response with an Error, are both breaks. Warnings are not.
 */
export function contractViolations(outcome: unknown): string[] {
  const { problem, violations } = prismVerdict(outcome);
  const errors = violations.filter((v) => v.severity === "Error").map((v) => `${v.location}: ${v.message}`);
  if (errors.length) return errors;
  if (problem) return [`Prism answered ${problem}: ${outcome instanceof Error ? outcome.message : String(outcome)}`];
  return [];
}
