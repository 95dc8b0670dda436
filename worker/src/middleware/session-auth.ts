import { createMiddleware } from "hono/factory";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { credentials, forbidden, invalidCredential } from "../request-credentials.ts";
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
 * token minted for another session or tenant gets 403; one that is not a session token of an
 * active signing slot, has expired or names a tenant no longer served gets 401, and so does the
 * tenant key, which is no session token.
 */
export const sessionAuth = createMiddleware<RoomMemberEnv>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.sessionAuth);
  const { tenantId, bearer } = credentials(c);
  const now = Math.floor(Date.now() / 1000);
  const claims = await verifyWithEither(config, (secret) => verifySessionToken(secret, bearer, now));
  const tenant = claims && findTenant(config.TENANTS, claims.tenant);
  if (!claims || !tenant) throw invalidCredential("session token");
  if (claims.tenant !== tenantId) throw forbidden("tenant");
  if (claims.session !== c.req.param("session_id")) throw forbidden("session");
  c.set("tenant", tenant);
  c.set("roomMember", claims);
  await next();
});
