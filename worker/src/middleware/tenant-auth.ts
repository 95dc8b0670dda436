import { createMiddleware } from "hono/factory";
import { tenantKeyGeneration } from "#contracts/tenant-key.ts";
import type { TenantMap } from "#contracts/worker/tenant-map.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { isDashboardToken, verifyDashboardToken } from "../dashboard-token.ts";
import type { WorkerBindings } from "../env.ts";
import { credentials, forbidden, invalidCredential } from "../request-credentials.ts";
import { verifyWithEither } from "../signing-slots.ts";
import { findTenant, type Tenant, type TenantCredential } from "../tenants.ts";

type KeyConfig = {
  SIGNING_SECRET: string;
  SIGNING_SECRET_FALLBACK: string;
  TENANT_KEY_GENERATION: number;
  TENANTS: TenantMap;
};

/**
 * What a bearer proves for the tenant it is sent for: a credential, or why not. A dashboard token
 * names its tenant, so one of another tenant is `forbidden`, and one naming a tenant no longer
 * served is `invalid`, as session auth answers; a tenant key does not name its tenant, so a key of
 * another tenant cannot be told from a forged one and is `invalid`.
 */
type Verdict = TenantCredential | "invalid" | "forbidden";

/** A dashboard token of this tenant, made from its current or previous key generation. */
async function verifyDashboardCredential(
  config: KeyConfig,
  tenantId: string,
  bearer: string,
): Promise<Verdict> {
  const now = Math.floor(Date.now() / 1000);
  const claims = await verifyWithEither(config, (secret) => verifyDashboardToken(secret, bearer, now));
  const generationAccepted =
    claims?.generation === config.TENANT_KEY_GENERATION ||
    claims?.generation === config.TENANT_KEY_GENERATION - 1;
  if (!claims || !generationAccepted) return "invalid";
  if (claims.tenant !== tenantId) return findTenant(config.TENANTS, claims.tenant) ? "forbidden" : "invalid";
  return { kind: "dashboard_token", generation: claims.generation, signedInAt: claims.signed_in_at };
}

async function verifyCredential(config: KeyConfig, tenantId: string, bearer: string): Promise<Verdict> {
  if (isDashboardToken(bearer)) return verifyDashboardCredential(config, tenantId, bearer);
  const generation = await verifyWithEither(config, (secret) =>
    tenantKeyGeneration(secret, tenantId, config.TENANT_KEY_GENERATION, bearer),
  );
  return generation === undefined ? "invalid" : { kind: "tenant_key", generation };
}

/** What tenant auth sets: the caller's tenant, and what the caller proved it holds. */
export type TenantAuthEnv = {
  Bindings: WorkerBindings;
  Variables: { tenant: Tenant; credential: TenantCredential };
};

/**
 * `X-Tenant-ID` + `Authorization: Bearer <tenant key or dashboard token>`. Unknown tenants cost the
 * same HMAC as known ones and get the same 401, so that neither response time nor status tells
 * which tenant ids exist.
 */
export const tenantAuth = createMiddleware<TenantAuthEnv>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.tenantAuth);
  const { tenantId, bearer } = credentials(c);
  const tenant = findTenant(config.TENANTS, tenantId);
  const credential = await verifyCredential(config, tenantId, bearer);
  // A genuine dashboard token of another tenant gets 403 whether the header names a tenant or not,
  // so that holding one does not tell which tenant ids exist.
  if (credential === "forbidden") throw forbidden("tenant");
  if (!tenant || credential === "invalid") throw invalidCredential("credential");
  c.set("tenant", tenant);
  c.set("credential", credential);
  await next();
});
