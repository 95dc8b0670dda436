/**
 * How every auth middleware reads the credential a request presents, and the answers they share
 * when it is missing or not good enough.
 */
import type { Context } from "hono";
import { ApiError } from "./api-error.ts";

/**
 * A refusal by an auth middleware: the credential is missing, not genuine, or for someone else.
 * CORS lets a browser read it by the preflight's rule (middleware/cors.ts), so that its headers do
 * not tell which tenant ids exist; a handler's own 401 or 403 is an ApiError like any other answer.
 */
export class CredentialRefusal extends ApiError {}

/** What a 401 for a missing bearer credential carries, as RFC 6750 §3 asks. */
export const BEARER_CHALLENGE = { "www-authenticate": 'Bearer realm="realtime-stack"' };

const BEARER = /^Bearer ([\x21-\x7e]{1,1024})$/;

/**
 * A credential header sent once. The runtime hands a header sent several times over as one value,
 * joined by ", " (workerd's Headers, as the Fetch standard combines them); neither a tenant id nor
 * a bearer credential holds a comma, so a comma means the request is ambiguous: 400, never a guess.
 */
function credentialHeader(c: Context, name: "X-Tenant-ID" | "Authorization"): string | undefined {
  const value = c.req.header(name);
  if (value?.includes(",")) {
    throw new ApiError("invalid_request", `Send the ${name} header once, with one value`, {
      details: { header: name.toLowerCase() },
    });
  }
  return value;
}

/** The request's `Authorization: Bearer` credential, if it sent one: 400 when ambiguous. */
export const bearerOf = (c: Context): string | undefined =>
  BEARER.exec(credentialHeader(c, "Authorization") ?? "")?.[1];

/** A 401 for a credential the request did not send; `message` says what to send. */
export const missingCredential = (message: string, headers: Record<string, string> = BEARER_CHALLENGE) =>
  new CredentialRefusal("unauthorized", message, { headers });

/** The tenant id and bearer credential of a request: 400 when ambiguous, 401 when either is absent. */
export function credentials(c: Context): { tenantId: string; bearer: string } {
  const tenantId = credentialHeader(c, "X-Tenant-ID");
  const bearer = bearerOf(c);
  if (!tenantId || !bearer)
    throw missingCredential("Send X-Tenant-ID and Authorization: Bearer <credential>");
  return { tenantId, bearer };
}

/**
 * A credential that no active signing slot produced, that has expired, or whose generation was
 * retired: 401 with `error="invalid_token"`, as RFC 6750 §3.1 answers a token that is "expired,
 * revoked, malformed, or invalid for other reasons". The same answer for an unknown tenant id, so
 * that it does not tell which tenants exist.
 */
export const invalidCredential = (
  what: string,
  message = `The ${what} is not valid: unknown, expired or revoked`,
) =>
  new CredentialRefusal("invalid_credential", message, {
    headers: { "www-authenticate": 'Bearer realm="realtime-stack", error="invalid_token"' },
  });

/**
 * A genuine credential presented for another tenant, session or room: 403, RFC 6750's
 * `insufficient_scope`, since signing in again with it would not help.
 */
export const forbidden = (scope: string) =>
  new CredentialRefusal("forbidden", `The credential is genuine but not valid for this ${scope}`);
