// Headers are merged with Headers semantics: one value per name whatever its case, the call's over the
// client's, the body's own Content-Type over both. Checked on the raw request a node:http server reads.
import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import { createParadigmClient } from "../src/client/index.ts";
import { type FaultServer, reply, startFaultServer } from "./fault-server.ts";

const RATE = "/api/v2/rate/{feedback_type_id}/{completion_id}";
const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(headers: Record<string, string>) {
  const server = await startFaultServer([reply(200)]);
  servers.push(server);
  return { server, client: createParadigmClient({ apiKey: "sk-headers-0123456789", baseUrl: server.url, headers }) };
}

/** Every value sent for `name`, from the raw header lines (node would fold duplicates otherwise). */
function raw(server: FaultServer, name: string, i = 0): string[] {
  const lines = server.requests[i]?.rawHeaders ?? [];
  const out: string[] = [];
  for (let k = 0; k < lines.length; k += 2) if (lines[k]?.toLowerCase() === name) out.push(lines[k + 1] ?? "");
  return out;
}

describe("a client-level Content-Type: application/json", () => {
  it("gives way to a form body's own type (rate)", async () => {
    const { server, client } = await setup({ "Content-Type": "application/json" });
    await client.rate(3, "c", { value: 1 }, { mediaType: "application/x-www-form-urlencoded" });
    expect(raw(server, "content-type")).toEqual(["application/x-www-form-urlencoded"]);
    expect(server.requests[0]?.body).toBe("value=1&flag="); // a left-out nullable boolean is sent empty (src/spec/encode.ts)
  });

  it("gives way to a form body's own type (createApi(client))", async () => {
    const { server, client } = await setup({ "Content-Type": "application/json" });
    await createApi(client).POST(RATE, {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { value: 1 },
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(raw(server, "content-type")).toEqual(["application/x-www-form-urlencoded"]);
    expect(server.requests[0]?.body).toBe("value=1&flag="); // a left-out nullable boolean is sent empty (src/spec/encode.ts)
  });

  it("leaves a multipart body its boundary (rate)", async () => {
    const { server, client } = await setup({ "Content-Type": "application/json" });
    await client.rate(3, "c", { value: 1, tag: "t" }, { mediaType: "multipart/form-data" });
    const [type, ...more] = raw(server, "content-type");
    expect(more).toEqual([]);
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(server.requests[0]?.body, { headers: { "content-type": type ?? "" } }).formData();
    expect(Object.fromEntries(form)).toEqual({ value: "1", tag: "t", flag: "" });
  });

  it("leaves a multipart body its boundary (createApi(client))", async () => {
    const { server, client } = await setup({ "Content-Type": "application/json" });
    await createApi(client).POST(RATE, {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { value: 1, tag: "t" },
      headers: { "Content-Type": "multipart/form-data" },
    });
    const [type, ...more] = raw(server, "content-type");
    expect(more).toEqual([]);
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
  });
});

describe("names differing only in case", () => {
  it("send one value, the call's over the client's", async () => {
    const { server, client } = await setup({ "X-Trace": "client" });
    await client.rate(3, "c", { value: 1 }, { headers: { "x-trace": "call" } });
    expect(raw(server, "x-trace")).toEqual(["call"]);
    await createApi(client).POST(RATE, { params: { path: { feedback_type_id: 3, completion_id: "c" } }, body: { value: 1 }, headers: { "x-TRACE": "api" } });
    expect(raw(server, "x-trace", 1)).toEqual(["api"]);
  });

  it("never let a call replace Authorization, in any case", async () => {
    const { server, client } = await setup({ AUTHORIZATION: "Bearer nope" });
    await client.rate(3, "c", { value: 1 }, { headers: { authorization: "Bearer other" } });
    expect(raw(server, "authorization")).toEqual(["Bearer sk-headers-0123456789"]);
  });
});
