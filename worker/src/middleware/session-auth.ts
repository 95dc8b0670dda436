import { createMiddleware } from "hono/factory";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { credentials, forbidden } from "../request-credentials.ts";
import { type SessionClaims, verifySessionToken } from "../session-token.ts";
import { verifyWithEither } from "../signing-slots.ts";
import { findTenant, type Tenant } from "../tenants.ts";

/** What session auth and room auth set: the token's tenant, and the token's claims. */
export type RoomMemberEnv = {
  Bindings: WorkerBindings;
  Variables: { tenant: Tenant; roomMember: SessionClaims };
};

/**
 * `X-Tenant-ID` + `Authorization: Bearer <session token>` for the session named in the path: a
 * token minted for another session, room member or tenant gets 403, and so does the tenant key.
 */
export const sessionAuth = createMiddleware<RoomMemberEnv>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.sessionAuth);
  const { tenantId, bearer } = credentials(c);
  const now = Math.floor(Date.now() / 1000);
  const claims = await verifyWithEither(config, (secret) => verifySessionToken(secret, bearer, now));
  const tenant = findTenant(config.TENANTS, tenantId);
  if (!claims || !tenant || claims.tenant !== tenantId || claims.session !== c.req.param("session_id")) {
    throw forbidden();
  }
  c.set("tenant", tenant);
  c.set("roomMember", claims);
  await next();
});
