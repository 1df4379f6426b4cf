// One preparation path (validate, then encode) for rate() and every createApi(client) operation. A prebuilt body
// (FormData, Blob, URLSearchParams, bytes) is the caller's own encoding: it is sent as given, its parameters are
// still checked, and it is never mistaken for a missing body. The operation with a required body below is a
// scratch entry added to the generated tables for this file only.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApi } from "../src/api/index.ts";
import { createParadigmClient, ParadigmValidationError } from "../src/client/index.ts";
import { type FaultServer, reply, startFaultServer } from "./fault-server.ts";

vi.mock("../generated/operations.ts", async (original) => {
  const real = await original<typeof import("../generated/operations.ts")>();
  const upload = {
    id: "upload",
    path: [{ name: "id", required: true, schema: { type: "integer" } }],
    body: {
      required: true,
      content: {
        "multipart/form-data": { type: "object", required: ["name"], properties: { name: { type: "string" } } },
        "application/x-www-form-urlencoded": { type: "object", required: ["name"], properties: { name: { type: "string" } } },
        "application/octet-stream": { type: "string" },
      },
    },
  };
  return { ...real, operations: { ...real.operations, "POST /scratch/{id}/upload": upload } };
});

const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const server = await startFaultServer([reply(200, { ok: true })]);
  servers.push(server);
  const client = createParadigmClient({ apiKey: "sk-prepare-0123456789", baseUrl: server.url });
  // The scratch path is not in the typed `paths`: reach it through the untyped request().
  const post = (init: Record<string, unknown>) =>
    (createApi(client).request as (m: string, p: string, i: unknown) => Promise<{ response: Response }>)("POST", "/scratch/{id}/upload", init);
  return { server, post };
}

const form = () => {
  const f = new FormData();
  f.append("name", "a.txt");
  return f;
};

describe("a prebuilt body on an operation whose body is required", () => {
  it.each([
    ["FormData", form, /^multipart\/form-data; boundary=/, undefined],
    ["URLSearchParams", () => new URLSearchParams({ name: "a.txt" }), /^application\/x-www-form-urlencoded/, "name=a.txt"],
    ["Blob", () => new Blob(["raw bytes"], { type: "application/octet-stream" }), /^application\/octet-stream/, "raw bytes"],
    ["Uint8Array", () => new TextEncoder().encode("raw bytes"), /^application\/octet-stream/, "raw bytes"],
  ] as const)("%s is sent as given, not refused as missing", async (_, body, type, sent) => {
    const { server, post } = await setup();
    const headers = body() instanceof Uint8Array ? { "content-type": "application/octet-stream" } : undefined;
    const { response } = await post({ params: { path: { id: 1 } }, body: body(), ...(headers && { headers }) });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers["content-type"]).toMatch(type);
    if (sent) expect(server.requests[0]?.body).toBe(sent);
    else expect(server.requests[0]?.body).toContain("a.txt");
  });

  it("still has its parameters checked, and sends nothing when they are wrong", async () => {
    const { server, post } = await setup();
    const err = await post({ params: { path: { id: "x" } }, body: form() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect((err as ParadigmValidationError).issues.map((i) => i.path)).toEqual(["$.path.id"]);
    expect(server.requests).toHaveLength(0);
  });

  it("is still required: leaving it out is refused before sending", async () => {
    const { server, post } = await setup();
    await expect(post({ params: { path: { id: 1 } } })).rejects.toThrow(/\$\.body is required/);
    expect(server.requests).toHaveLength(0);
  });
});
