import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { tenantKeyGeneration } from "#contracts/tenant-key.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { isDashboardToken, verifyDashboardToken } from "../dashboard-token.ts";
import type { WorkerBindings } from "../env.ts";
import { verifyWithEither } from "../signing-slots.ts";
import { findTenant, type Tenant, type TenantCredential } from "../tenants.ts";

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

/** The tenant id and bearer credential of a request: 400 when ambiguous, 401 when either is absent. */
export function credentials(c: Context): { tenantId: string; bearer: string } {
  const tenantId = credentialHeader(c, "X-Tenant-ID");
  const bearer = bearerOf(c);
  if (!tenantId || !bearer) {
    throw new ApiError("unauthorized", "Send X-Tenant-ID and Authorization: Bearer <credential>", {
      headers: { "www-authenticate": 'Bearer realm="realtime-stack"' },
    });
  }
  return { tenantId, bearer };
}

export const forbidden = () => new ApiError("forbidden", "The credential is not valid for this tenant");

type KeyConfig = { SIGNING_SECRET: string; SIGNING_SECRET_FALLBACK: string; TENANT_KEY_GENERATION: number };

/** A dashboard token of this tenant, made from its current or previous key generation. */
async function verifyDashboardCredential(config: KeyConfig, tenantId: string, bearer: string) {
  const now = Math.floor(Date.now() / 1000);
  const claims = await verifyWithEither(config, (secret) => verifyDashboardToken(secret, bearer, now));
  const generationAccepted =
    claims?.generation === config.TENANT_KEY_GENERATION ||
    claims?.generation === config.TENANT_KEY_GENERATION - 1;
  return claims && claims.tenant === tenantId && generationAccepted ? claims : undefined;
}

async function verifyCredential(
  config: KeyConfig,
  tenantId: string,
  bearer: string,
): Promise<TenantCredential | undefined> {
  if (isDashboardToken(bearer)) {
    const claims = await verifyDashboardCredential(config, tenantId, bearer);
    return (
      claims && { kind: "dashboard_token", generation: claims.generation, signedInAt: claims.signed_in_at }
    );
  }
  const generation = await verifyWithEither(config, (secret) =>
    tenantKeyGeneration(secret, tenantId, config.TENANT_KEY_GENERATION, bearer),
  );
  return generation === undefined ? undefined : { kind: "tenant_key", generation };
}

/** What tenant auth sets: the caller's tenant, and what the caller proved it holds. */
export type TenantAuthEnv = {
  Bindings: WorkerBindings;
  Variables: { tenant: Tenant; credential: TenantCredential };
};

/**
 * `X-Tenant-ID` + `Authorization: Bearer <tenant key or dashboard token>`. Unknown tenants cost the
 * same HMAC as known ones, so that response time does not tell which tenant ids exist.
 */
export const tenantAuth = createMiddleware<TenantAuthEnv>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.tenantAuth);
  const { tenantId, bearer } = credentials(c);
  const tenant = findTenant(config.TENANTS, tenantId);
  const credential = await verifyCredential(config, tenantId, bearer);
  if (!tenant || !credential) throw forbidden();
  c.set("tenant", tenant);
  c.set("credential", credential);
  await next();
});
