// Multi-operation generality: a hand-written "next version" of the spec (test/fixtures/next-spec.yaml:
// today's rate operation plus six operations of other shapes) goes through the real generator into a
// scratch copy, and each new operation is then typed, validated and served with no hand-written code.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ParadigmClient, ParadigmClientOptions } from "../src/client/index.ts";
import type { ValidationIssue } from "../src/core/errors.ts";
import { startMock } from "../src/mock/index.ts";
import type { OperationSpec, Outgoing } from "../src/spec/validate.ts";

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, "..");
const FIXTURE = join(ROOT, "test", "fixtures", "next-spec.yaml");
const VENDORED = join(ROOT, "openapi", "openapi-v2.yaml");
let dir = "";

// The modules of the scratch copy: its src/ reads its own generated/ tables and types.
interface ScratchValidate {
  operationSpec(method: string, path: string): OperationSpec | undefined;
  validateOperation(op: OperationSpec, req: Outgoing): ValidationIssue[];
}
interface ScratchIndex {
  createParadigmClient(o?: ParadigmClientOptions): ParadigmClient;
}
interface ScratchApi {
  createApi(client: ParadigmClient): unknown;
}
interface DiffReport {
  bump: string;
  added: { op: string; id: string | null }[];
  removed: { op: string; id: string | null }[];
  changes: { impact: string; text: string }[];
}
const scratchModule = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(dir, rel)).href)) as T;
const specDiff = async (base: string, revision: string): Promise<DiffReport> => {
  const mod = (await import(pathToFileURL(join(ROOT, "scripts", "spec-update.mjs")).href)) as { specDiff(a: string, b: string): DiffReport };
  return mod.specDiff(base, revision);
};

const NEW_OPS = [
  "GET /api/v2/models",
  "GET /api/v2/models/{id}",
  "POST /api/v2/workspaces",
  "GET /api/v2/workspaces/{workspace_id}/files/{file_id}",
  "POST /api/v2/files",
  "DELETE /api/v2/files/{id}",
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "paradigm-fixture-"));
  mkdirSync(join(dir, "openapi"));
  cpSync(join(ROOT, "openapi", "overlays"), join(dir, "openapi", "overlays"), { recursive: true });
  cpSync(FIXTURE, join(dir, "openapi", "openapi-v2.yaml"));
  for (const p of ["src", "tsconfig.json"]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  // This repo's generator, pointed at the scratch copy.
  execFileSync(process.execPath, [join(ROOT, "scripts", "generate.mjs"), "--root", dir], { stdio: "pipe" });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a client generated from the next-version fixture", () => {
  it("types every operation through createApi(client), and the compiler refuses the wrong calls", () => {
    // The same bad calls twice: under @ts-expect-error (must be errors, or tsc reports TS2578)
    // and bare, where we read the compiler's own words for each.
    const bad = [
      ['api.GET("/api/v2/models", { params: { query: { model_type: "LLM" } } });', /"LLM"' is not assignable/],
      ['api.GET("/api/v2/models", { params: { query: { page: "2" } } });', /'string' is not assignable to type 'number'/],
      ['api.GET("/api/v2/workspaces/{workspace_id}/files/{file_id}", { params: { path: { workspace_id: 7 } } });', /'file_id' is missing/],
      ['api.POST("/api/v2/workspaces", { body: { name: "x", member_count: 3 } });', /'number' is not assignable to type 'never'/],
      ["void ws.data?.member_ids;", /Property 'member_ids' does not exist/],
      ['api.POST("/api/v2/files", { body: { collection_type: "private" } });', /'file' is missing/],
      [
        'api.POST("/api/v2/files", { body: { file: "not a blob", collection_type: "private" } });',
        /Type 'string' is not assignable to type '\{ readonly size: number; readonly type: string;/,
      ],
      ['api.DELETE("/api/v2/files/{id}", { params: { path: { id: "42" } } });', /'string' is not assignable to type 'number'/],
      ['api.PUT("/api/v2/models", {});', /'"\/api\/v2\/models"' is not assignable to parameter of type 'never'/],
    ] as const;
    const head = `import { createApi } from "./src/api/index.ts";
import { createParadigmClient } from "./src/client/index.ts";
const api = createApi(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }));
export async function calls() {
  const ws = await api.POST("/api/v2/workspaces", { body: { name: "Legal", member_ids: [1, 2] } });
`;
    const good = `${head}
  const models = await api.GET("/api/v2/models", { params: { query: { search: "alf", model_type: "Embedding Model", page: 1, page_size: 10 } } });
  const first = models.data?.results[0];
  const id: number | undefined = first?.id;
  const endpoint: string | null | undefined = first?.deployment?.endpoint;
  const model = await api.GET("/api/v2/models/{id}", { params: { path: { id: 1 } } });
  const notFound: string | undefined = model.error?.detail;
  const file = await api.GET("/api/v2/workspaces/{workspace_id}/files/{file_id}", { params: { path: { workspace_id: 7, file_id: 42 } } });
  const workspaceName: string | undefined = file.data?.workspace?.name;
  const members: number | undefined = ws.data?.member_count;
  const up = await api.POST("/api/v2/files", {
    body: { file: new Blob(["%PDF"]), collection_type: "workspace", workspace_id: 7 },
    headers: { "content-type": "multipart/form-data" },
  });
  const status: "pending" | "parsing" | "embedded" | "failed" | undefined = up.data?.status;
  const gone = await api.DELETE("/api/v2/files/{id}", { params: { path: { id: 42 } } });
  const rated = await api.POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "c" } }, body: { flag: true } });
  return [id, endpoint, notFound, workspaceName, members, status, gone.response.status, rated.response.status];
}
export async function refused() {
  const ws = await api.POST("/api/v2/workspaces", { body: { name: "Legal" } });
${bad.map(([code]) => `  // @ts-expect-error\n  ${code}`).join("\n")}
  return ws;
}
`;
    const bare = `${head}${bad.map(([code]) => `  ${code}`).join("\n")}\n  return ws;\n}\n`;
    writeFileSync(join(dir, "calls.ts"), good);
    writeFileSync(join(dir, "bare.ts"), bare);
    writeFileSync(join(dir, "tsconfig.calls.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["src", "generated", "calls.ts", "bare.ts"] }));
    const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "--pretty", "false", "-p", "tsconfig.calls.json"], {
      cwd: dir,
      encoding: "utf8",
    });
    const out = r.stdout + r.stderr;
    expect(out.split("\n").filter((l) => l.includes("calls.ts") || l.startsWith("src/") || l.startsWith("generated/"))).toEqual([]);
    const firstBadLine = head.split("\n").length; // 1-based line of bad[0] in bare.ts
    bad.forEach(([, words], i) => {
      const lines = out
        .split(/\n(?=bare\.ts)/)
        .filter((l) => l.startsWith(`bare.ts(${firstBadLine + i},`))
        .join("\n");
      expect(lines, `bare.ts line ${firstBadLine + i}`).toMatch(words);
    });
  }, 120_000);

  it("validates every new operation before sending: good input passes, bad input is refused with the spec's rule", async () => {
    const { operationSpec, validateOperation } = await scratchModule<ScratchValidate>("src/spec/validate.ts");
    const check = (key: string, req: Outgoing) => {
      const [method = "", path = ""] = key.split(" ");
      const op = operationSpec(method, path);
      if (!op) throw new Error(`no validator table for ${key}`);
      return validateOperation(op, req).map((i) => `${i.path} ${i.message}`);
    };
    const blob = new Blob(["%PDF"]);
    const cases: [string, Outgoing, Outgoing, RegExp[]][] = [
      [
        "GET /api/v2/models",
        { query: { search: "alf", model_type: "Reranker", page: 1, page_size: 100 } },
        { query: { search: "x".repeat(101), model_type: "LLM", page: 0, page_size: 101 } },
        [/query\.search must be at most 100/, /query\.model_type must be one of/, /query\.page must be ≥ 1/, /query\.page_size must be ≤ 100/],
      ],
      ["GET /api/v2/models/{id}", { path: { id: 1 } }, { path: { id: "one" } }, [/path\.id must be an integer/]],
      [
        "POST /api/v2/workspaces",
        { body: { name: "Legal", member_ids: [1, 2] } },
        { body: { name: "", member_ids: ["u1"], member_count: 3 } },
        [/body\.name must be at least 1/, /body\.member_ids\[0\] must be an integer/, /body\.member_count is read-only/],
      ],
      [
        "GET /api/v2/workspaces/{workspace_id}/files/{file_id}",
        { path: { workspace_id: 7, file_id: 42 } },
        { path: { workspace_id: 7.5 } },
        [/path\.workspace_id must be an integer/, /path\.file_id is required/],
      ],
      [
        "POST /api/v2/files",
        { body: { file: blob, collection_type: "private", workspace_id: null }, mediaType: "multipart/form-data" },
        { body: { file: 42, collection_type: "public", title: "t".repeat(256) }, mediaType: "multipart/form-data" },
        [/body\.file must match at least one/, /body\.collection_type must be one of/, /body\.title must be at most 255/],
      ],
      ["DELETE /api/v2/files/{id}", { path: { id: 42 } }, { path: {} }, [/path\.id is required/]],
    ];
    expect(cases.map(([k]) => k)).toEqual(NEW_OPS);
    for (const [key, ok, ko, expected] of cases) {
      expect(check(key, ok), key).toEqual([]);
      const issues = check(key, ko);
      for (const re of expected) expect(issues, key).toContainEqual(expect.stringMatching(re));
      expect(issues, key).toHaveLength(expected.length);
    }
    expect(check("POST /api/v2/files", { body: { collection_type: "private" }, mediaType: "multipart/form-data" })).toEqual(["$.body.file is required"]);
    expect(check("POST /api/v2/files", { body: { file: blob, collection_type: "private" }, mediaType: "application/json" })).toEqual([
      "$.body media type application/json is not one the spec declares (multipart/form-data)",
    ]);
  });

  it("is served by Prism: every operation answers 2xx through the typed client, and Prism enforces the new schemas", async () => {
    const mock = await startMock({ spec: join(dir, "generated", "openapi.yaml") });
    try {
      const { createParadigmClient } = await scratchModule<ScratchIndex>("src/client/index.ts");
      const { createApi } = await scratchModule<ScratchApi>("src/api/index.ts");
      const api = createApi(createParadigmClient({ apiKey: "test-key", baseUrl: mock.url }));
      type Api = Record<string, (path: string, init?: object) => Promise<{ response: Response; data?: unknown }>>;
      const call = api as unknown as Api;
      const multipart = { "content-type": "multipart/form-data" };
      const calls: [string, object][] = [
        ["GET /api/v2/models", { params: { query: { search: "alf", model_type: "Embedding Model", page: 1, page_size: 10 } } }],
        ["GET /api/v2/models/{id}", { params: { path: { id: 1 } } }],
        ["POST /api/v2/workspaces", { body: { name: "Legal", member_ids: [1, 2] } }],
        ["GET /api/v2/workspaces/{workspace_id}/files/{file_id}", { params: { path: { workspace_id: 7, file_id: 42 } } }],
        // No Content-Type given: the upload's only declared media type (multipart) is used.
        ["POST /api/v2/files", { body: { file: new Blob(["%PDF-1.7"], { type: "application/pdf" }), collection_type: "private" } }],
        ["DELETE /api/v2/files/{id}", { params: { path: { id: 42 } } }],
        ["POST /api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "c" } }, body: { flag: true } }],
      ];
      const seen: Record<string, number> = {};
      for (const [key, init] of calls) {
        const [method = "", path = ""] = key.split(" ");
        const fn = call[method];
        if (!fn) throw new Error(`client.api has no ${method}`);
        seen[key] = (await fn(path, init)).response.status;
      }
      expect(seen).toEqual({
        "GET /api/v2/models": 200,
        "GET /api/v2/models/{id}": 200,
        "POST /api/v2/workspaces": 201,
        "GET /api/v2/workspaces/{workspace_id}/files/{file_id}": 200,
        "POST /api/v2/files": 201,
        "DELETE /api/v2/files/{id}": 204,
        "POST /api/v2/rate/{feedback_type_id}/{completion_id}": 200,
      });
      // With our validation off, the bad upload reaches Prism, which refuses it from the same schema
      // with the operation's declared 400 (its error schema) and names the violation.
      const raw = createApi(createParadigmClient({ apiKey: "test-key", baseUrl: mock.url, validate: false })) as unknown as Api;
      const post = raw.POST as Api[string];
      const refused = await post("/api/v2/files", { body: { file: new Blob(["x"]), collection_type: "public" }, headers: multipart });
      expect(refused.response.status).toBe(400);
      expect(refused.response.headers.get("sl-violations")).toMatch(/collection_type must be equal to one of the allowed values/);
    } finally {
      await mock.close();
    }
  }, 60_000);
});

// The fixture is "today's spec plus six operations": inside spec:update's tests step today's spec is
// the incoming one, so these run in npm test only (where a stale fixture fails with a message).
describe("redocly diff between today's spec and the fixture", () => {
  it("rates adding the six operations minor and names each one", async () => {
    const d = await specDiff(VENDORED, FIXTURE);
    // The fixture is today's document plus six operations; when the vendored spec changes, refresh it.
    expect(d.removed, "test/fixtures/next-spec.yaml must keep every operation of openapi/openapi-v2.yaml").toEqual([]);
    expect(d.added.map((o) => o.op).sort()).toEqual([...NEW_OPS].sort());
    expect(d.bump).toBe("minor");
  }, 30_000);

  it("rates removing them again major", async () => {
    const d = await specDiff(FIXTURE, VENDORED);
    expect(d.removed.map((o) => o.op).sort()).toEqual([...NEW_OPS].sort());
    expect(d.bump).toBe("major");
    expect(d.changes.filter((c) => c.impact === "major").map((c) => c.text)).toHaveLength(NEW_OPS.length);
  }, 30_000);

  it("rates a narrowed type major (diff-recommended is in redocly.yaml's extends)", async () => {
    const narrowed = readFileSync(FIXTURE, "utf8").replace("        comment:\n          type: string", "        comment:\n          type: integer");
    expect(narrowed).toContain("comment:\n          type: integer");
    const file = join(dir, "narrowed.yaml");
    writeFileSync(file, narrowed);
    const d = await specDiff(FIXTURE, file);
    expect(d.bump).toBe("major");
    expect(d.changes).toContainEqual({ impact: "major", text: expect.stringMatching(/Type of `comment` narrowed from 'string \| null' to 'integer \| null'/) });
  }, 30_000);
});
