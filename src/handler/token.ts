// Signed feedback tokens: `v1.<payload>.<mac>`, both parts base64url without padding.
//   payload = JSON {"c": completion id, "t": [feedback type ids], "e": expiry (Unix seconds), "u"?: max uses, "n"?: id}
//   mac     = HMAC-SHA256(secret, "v1." + payload part), 32 bytes
// Web Crypto only (no node: import), so it runs wherever the handler runs. The MAC covers the version prefix, so a
// later format cannot be confused with this one. Decoding is strict (canonical base64url only): a flipped padding
// bit in the last character would otherwise decode to the same bytes and still verify.
import type { RatePathParams } from "../client/client.ts";
import { ParadigmConfigError, ParadigmValidationError, type ValidationIssue } from "../core/errors.ts";
import { rateOperation } from "../spec/prepare.ts";
import { validateOperation } from "../spec/validate.ts";

const VERSION = "v1";
/** Tokens longer than this are refused before any crypto (a token for one completion is ~150 characters). */
export const MAX_TOKEN_CHARS = 2048;
/** Shortest secret accepted: 32 characters, e.g. `openssl rand -base64 32` (44). */
export const MIN_SECRET_CHARS = 32;

/** A completion id and a feedback type id, typed as the spec's rate path parameters. */
export type CompletionId = RatePathParams["completion_id"];
export type FeedbackTypeId = RatePathParams["feedback_type_id"];

/** One secret, or several for rotation: the first signs, any of them verifies. */
export type FeedbackSecret = string | readonly [string, ...string[]];

export interface SignFeedbackTokenOptions {
  secret: FeedbackSecret;
  /** The completion the token is for; the handler forwards to this completion only. */
  completionId: CompletionId;
  /** The feedback types the token may post (e.g. thumbs and a rating). At least one. */
  feedbackTypeIds: readonly FeedbackTypeId[];
  /** Lifetime in seconds. @default 10800 (3 hours) */
  expiresInSeconds?: number;
  /** How many feedbacks the token may post in all; unlimited when left out. Counted by the handler's `usesStore`. */
  maxUses?: number | undefined;
}

/** What a verified token allows. */
export interface FeedbackTokenClaims {
  completionId: CompletionId;
  feedbackTypeIds: FeedbackTypeId[];
  /** Expiry, Unix seconds. */
  expiresAt: number;
  maxUses: number | undefined;
  /** Random id, present when `maxUses` is: the key of the token's use count. */
  id: string | undefined;
}

const enc = new TextEncoder();

export function b64u(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Strict base64url: the alphabet only, no padding, and canonical (re-encodes to the same text), else undefined. */
export function unb64u(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return b64u(bytes) === text ? bytes : undefined;
}

/** Checks the secret(s) and returns them as a non-empty list. Messages never include a secret. */
export function secretList(secret: unknown): string[] {
  const list = typeof secret === "string" ? [secret] : Array.isArray(secret) ? (secret as unknown[]) : undefined;
  if (!list || list.length === 0) throw new ParadigmConfigError("secret must be a string, or a non-empty list of strings (the first signs, any verifies).");
  list.forEach((s, i) => {
    const where = list.length > 1 ? `secret[${i}]` : "secret";
    if (typeof s !== "string") throw new ParadigmConfigError(`${where} must be a string, got ${s === null ? "null" : typeof s}.`);
    if (s.length < MIN_SECRET_CHARS)
      throw new ParadigmConfigError(`${where} is ${s.length} characters; use at least ${MIN_SECRET_CHARS} random ones (e.g. \`openssl rand -base64 32\`).`);
  });
  return list as string[];
}

/** Imports each secret once as an HMAC-SHA256 key (not extractable). */
export function hmacKeys(secrets: readonly string[]): Promise<CryptoKey[]> {
  return Promise.all(secrets.map((s) => crypto.subtle.importKey("raw", enc.encode(s), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"])));
}

/** The spec's checks on the path parameters: what a token names must be what rate() could send. */
function checkScope(completionId: unknown, feedbackTypeIds: unknown): ValidationIssue[] {
  const spec = rateOperation();
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(feedbackTypeIds) || feedbackTypeIds.length === 0) {
    issues.push({ path: "$.feedbackTypeIds", message: "must be a non-empty array of feedback type ids" });
    for (const i of validateOperation(spec, { path: { completion_id: completionId, feedback_type_id: 1 } })) issues.push(rename(i));
    return issues;
  }
  feedbackTypeIds.forEach((t, n) => {
    for (const i of validateOperation(spec, { path: { completion_id: completionId, feedback_type_id: t } })) {
      const issue = rename(i, n);
      if (!issues.some((x) => x.path === issue.path && x.message === issue.message)) issues.push(issue);
    }
  });
  return issues;
}
const rename = (i: ValidationIssue, n = 0): ValidationIssue => ({
  path: i.path.replace(/^\$\.path\.completion_id/, "$.completionId").replace(/^\$\.path\.feedback_type_id/, `$.feedbackTypeIds[${n}]`),
  message: i.message,
});

const positiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * Signs a token that lets a browser post feedback on one completion, for the given feedback types, until it
 * expires, without any API key. Compact and URL-safe: `v1.<payload>.<mac>` (format and size in the README).
 * Throws ParadigmConfigError for a bad secret, lifetime or maxUses, ParadigmValidationError for ids the spec refuses.
 */
export async function signFeedbackToken(options: SignFeedbackTokenOptions): Promise<string> {
  const { completionId, feedbackTypeIds, expiresInSeconds = 10800, maxUses } = options;
  const [first] = secretList(options.secret);
  if (!positiveInt(expiresInSeconds)) throw new ParadigmConfigError(`expiresInSeconds must be a positive integer, got ${String(expiresInSeconds)}.`);
  if (maxUses !== undefined && !positiveInt(maxUses)) throw new ParadigmConfigError(`maxUses must be a positive integer, got ${String(maxUses)}.`);
  const issues = checkScope(completionId, feedbackTypeIds);
  if (issues.length) throw new ParadigmValidationError(issues);
  const claims: Record<string, unknown> = {
    c: completionId,
    t: [...new Set(feedbackTypeIds)],
    e: Math.floor(Date.now() / 1000) + expiresInSeconds,
  };
  if (maxUses !== undefined) {
    claims.u = maxUses;
    claims.n = b64u(crypto.getRandomValues(new Uint8Array(12)));
  }
  const signed = `${VERSION}.${b64u(enc.encode(JSON.stringify(claims)))}`;
  const [key] = await hmacKeys([first as string]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key as CryptoKey, enc.encode(signed)));
  return `${signed}.${b64u(mac)}`;
}

export type TokenCheck = { ok: true; claims: FeedbackTokenClaims } | { ok: false; reason: "malformed" | "signature" | "expired" };

/**
 * Verifies the MAC against every key (crypto.subtle.verify compares in constant time), then the expiry, then reads
 * the claims. Nothing in the payload is parsed before the MAC holds.
 */
export async function verifyFeedbackToken(token: string, keys: readonly CryptoKey[], nowMs = Date.now()): Promise<TokenCheck> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: "malformed" };
  const payload = unb64u(parts[1] as string);
  const mac = unb64u(parts[2] as string);
  if (!payload || !mac || mac.length !== 32) return { ok: false, reason: "malformed" };
  const signed = enc.encode(`${parts[0]}.${parts[1]}`);
  let valid = false;
  // Every key is tried, so the time taken does not say which one matched.
  for (const key of keys) if (await crypto.subtle.verify("HMAC", key, mac, signed)) valid = true;
  if (!valid) return { ok: false, reason: "signature" };
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (c === null || typeof c !== "object") return { ok: false, reason: "malformed" };
  // Signed by us, so well-formed unless a secret was shared with something else: checked anyway.
  // The ids are checked by the spec's rules for the path parameters, so a spec change of their types needs no edit.
  const types = c.t;
  if (
    checkScope(c.c, types).length > 0 ||
    !Number.isSafeInteger(c.e) ||
    (c.u !== undefined && !positiveInt(c.u)) ||
    (c.u !== undefined) !== (typeof c.n === "string")
  )
    return { ok: false, reason: "malformed" };
  if ((c.e as number) * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return {
    ok: true,
    claims: {
      completionId: c.c as CompletionId,
      feedbackTypeIds: types as FeedbackTypeId[],
      expiresAt: c.e as number,
      maxUses: c.u as number | undefined,
      id: c.n as string | undefined,
    },
  };
}
