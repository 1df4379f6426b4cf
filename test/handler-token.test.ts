// Signed feedback tokens (paradigm-client/handler): format, size, strict decoding, bit flips, secret rotation.
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ParadigmConfigError, ParadigmValidationError } from "../src/core/errors.ts";
import { createFeedbackHandler, type FeedbackHandlerOptions, signFeedbackToken } from "../src/handler/index.ts";
import { hmacKeys, unb64u, verifyFeedbackToken } from "../src/handler/token.ts";

const SECRET = "s3cret-for-tests-0123456789abcdefghij";
const OLD = "an-older-secret-0123456789abcdefghijkl";
const OTHER = "somebody-elses-secret-0123456789abcdef";

/** A handler whose client counts rate() calls and never reaches a network. */
function counting(secret: FeedbackHandlerOptions["secret"]) {
  const calls: unknown[][] = [];
  const handler = createFeedbackHandler({
    secret,
    client: {
      rate: async (...args: unknown[]) => {
        calls.push(args);
        return { status: 200, headers: new Headers(), requestId: undefined, attempts: 1 };
      },
    },
  });
  const post = (token: string, feedbackTypeId = 3) =>
    handler(
      new Request("http://127.0.0.1/feedback", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, feedbackTypeId, feedback: { flag: true } }),
      }),
    );
  return { calls, post };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("token format", () => {
  it("is v1.<payload>.<mac>, URL-safe, with the claims in base64url JSON and a 32-byte HMAC", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-30T12:00:00Z"));
    const token = await signFeedbackToken({ secret: SECRET, completionId: "cmpl-123", feedbackTypeIds: [3, 4] });
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    const [, payload] = token.split(".");
    const claims = JSON.parse(new TextDecoder().decode(unb64u(payload as string)));
    // 3 hours by default.
    expect(claims).toEqual({ c: "cmpl-123", t: [3, 4], e: Date.parse("2026-11-30T15:00:00Z") / 1000 });
  });

  it("is about 150 characters for a typical completion id, and adds an id when maxUses is set", async () => {
    const completionId = "chatcmpl-8f14e45fceea167a5a36dedd4bea2543";
    const plain = await signFeedbackToken({ secret: SECRET, completionId, feedbackTypeIds: [3] });
    const limited = await signFeedbackToken({ secret: SECRET, completionId, feedbackTypeIds: [3, 4], maxUses: 2 });
    expect(plain.length).toBeLessThanOrEqual(150);
    expect(limited.length).toBeLessThanOrEqual(190);
    const claims = JSON.parse(new TextDecoder().decode(unb64u(limited.split(".")[1] as string)));
    expect(claims.u).toBe(2);
    expect(claims.n).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Two tokens with maxUses are counted separately, even when issued in the same second.
    const again = await signFeedbackToken({ secret: SECRET, completionId, feedbackTypeIds: [3, 4], maxUses: 2 });
    expect(again).not.toBe(limited);
  });

  it("decodes base64url strictly: a non-canonical last character is refused, not read as the same bytes", () => {
    expect(unb64u("AQ")).toEqual(new Uint8Array([1]));
    // "AR" decodes to the same byte as "AQ" under a lenient decoder (the low bits are padding).
    expect(unb64u("AR")).toBeUndefined();
    expect(unb64u("AQ==")).toBeUndefined();
    expect(unb64u("A+")).toBeUndefined();
  });
});

describe("signFeedbackToken refuses bad input before signing", () => {
  it("a short or missing secret is a ParadigmConfigError that does not echo the secret", async () => {
    const short = "too-short-secret";
    const e = await signFeedbackToken({ secret: short, completionId: "c", feedbackTypeIds: [1] }).catch((x) => x);
    expect(e).toBeInstanceOf(ParadigmConfigError);
    expect(e.message).toContain("at least 32");
    expect(e.message).not.toContain(short);
    await expect(signFeedbackToken({ secret: [] as unknown as string, completionId: "c", feedbackTypeIds: [1] })).rejects.toBeInstanceOf(ParadigmConfigError);
  });

  it("ids the spec refuses are a ParadigmValidationError naming each", async () => {
    const e = await signFeedbackToken({ secret: SECRET, completionId: 42 as unknown as string, feedbackTypeIds: [1, 2.5] }).catch((x) => x);
    expect(e).toBeInstanceOf(ParadigmValidationError);
    expect(e.issues.map((i: { path: string }) => i.path)).toEqual(["$.completionId", "$.feedbackTypeIds[1]"]);
    await expect(signFeedbackToken({ secret: SECRET, completionId: "c", feedbackTypeIds: [] })).rejects.toBeInstanceOf(ParadigmValidationError);
  });

  it("a lifetime or maxUses that is not a positive integer is a ParadigmConfigError", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(signFeedbackToken({ secret: SECRET, completionId: "c", feedbackTypeIds: [1], expiresInSeconds: bad })).rejects.toBeInstanceOf(
        ParadigmConfigError,
      );
      await expect(signFeedbackToken({ secret: SECRET, completionId: "c", feedbackTypeIds: [1], maxUses: bad })).rejects.toBeInstanceOf(ParadigmConfigError);
    }
  });
});

const flip = (token: string, i: number, bit: number) => token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << bit)) + token.slice(i + 1);

describe("bit flips", () => {
  it("a token with any single bit flipped is refused (fast-check), and nothing is forwarded", async () => {
    const { calls, post } = counting(SECRET);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
        // Half the flips land on the last character of a part, where base64url keeps padding bits.
        fc.oneof(fc.nat(), fc.constantFrom(-1, -2, -3)),
        fc.nat({ max: 7 }),
        async (completionId, maxUses, at, bit) => {
          // An id the spec-derived validator refuses (e.g. ".") gets no token at all: not this property's business.
          const token = await signFeedbackToken({ secret: SECRET, completionId, feedbackTypeIds: [3], maxUses }).catch((e) => {
            if (e instanceof ParadigmValidationError) return undefined;
            throw e;
          });
          fc.pre(token !== undefined);
          if (token === undefined) return;
          const dots = [token.indexOf("."), token.lastIndexOf(".")];
          const i = at === -1 ? token.length - 1 : at === -2 ? (dots[1] as number) - 1 : at === -3 ? (dots[1] as number) - 2 : at % token.length;
          const res = await post(flip(token, i, bit));
          expect(res.status).toBe(401);
          expect(calls.length).toBe(accepted);
          // The untouched token is accepted, so the refusal above is the flip's doing.
          expect((await post(token)).status).toBe(204);
          accepted++;
        },
      ),
      { numRuns: 300 },
    );
    expect(calls.length).toBe(accepted);
    expect(accepted).toBeGreaterThan(250);
  });

  it("every single-bit flip of every character is refused, for 48 tokens (exhaustive)", async () => {
    const keys = await hmacKeys([SECRET]);
    for (let n = 0; n < 48; n++) {
      const token = await signFeedbackToken({ secret: SECRET, completionId: `cmpl-${n}`, feedbackTypeIds: [3], ...(n % 2 ? { maxUses: n } : {}) });
      expect((await verifyFeedbackToken(token, keys)).ok).toBe(true);
      for (let i = 0; i < token.length; i++) {
        for (let bit = 0; bit < 8; bit++) expect((await verifyFeedbackToken(flip(token, i, bit), keys)).ok, `token ${n}, char ${i}, bit ${bit}`).toBe(false);
      }
    }
  });
});

describe("secret rotation", () => {
  it("the first secret signs and any listed secret verifies", async () => {
    const rotated = counting([SECRET, OLD]);
    const byOld = await signFeedbackToken({ secret: OLD, completionId: "c", feedbackTypeIds: [3] });
    const byList = await signFeedbackToken({ secret: [SECRET, OLD], completionId: "c", feedbackTypeIds: [3] });
    expect((await rotated.post(byOld)).status).toBe(204);
    expect((await rotated.post(byList)).status).toBe(204);
    // byList was signed with SECRET (the first): a handler knowing only SECRET accepts it.
    expect((await counting(SECRET).post(byList)).status).toBe(204);
    expect(rotated.calls).toHaveLength(2);
  });

  it("a token signed with a secret that has been rotated out is refused, with 0 upstream requests", async () => {
    const byOld = await signFeedbackToken({ secret: OLD, completionId: "c", feedbackTypeIds: [3] });
    const after = counting([SECRET]);
    const res = await after.post(byOld);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ title: "Invalid feedback token", code: "token_signature" });
    expect(after.calls).toHaveLength(0);
    const forged = await signFeedbackToken({ secret: OTHER, completionId: "c", feedbackTypeIds: [3] });
    expect((await after.post(forged)).status).toBe(401);
    expect(after.calls).toHaveLength(0);
  });
});

it("the handler and browser entries import no node: module (Web Crypto and the Fetch API only)", () => {
  const dirs = ["handler", "browser"].map((d) => new URL(`../src/${d}/`, import.meta.url));
  const files = dirs.flatMap((d) => readdirSync(d).map((f) => new URL(f, d)));
  expect(files.length).toBeGreaterThanOrEqual(5);
  for (const f of files) expect(readFileSync(f, "utf8"), f.pathname).not.toMatch(/from "node:|import\("node:|require\("node:/);
});

describe("a correctly signed payload that is not a claims object", () => {
  it.each(["null", "42", '"text"', "[]"])("refuses %s as malformed rather than failing", async (json) => {
    const [key] = await hmacKeys([SECRET]);
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    const signed = `v1.${b64(new TextEncoder().encode(json))}`;
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key as CryptoKey, new TextEncoder().encode(signed)));
    await expect(verifyFeedbackToken(`${signed}.${b64(mac)}`, [key as CryptoKey])).resolves.toEqual({ ok: false, reason: "malformed" });
  });
});
