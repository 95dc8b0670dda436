import { createMiddleware } from "hono/factory";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { forbidden, invalidCredential, missingCredential } from "../request-credentials.ts";
import { verifySessionToken } from "../session-token.ts";
import { verifyWithEither } from "../signing-slots.ts";
import { findTenant } from "../tenants.ts";
import type { RoomMemberEnv } from "./session-auth.ts";

/**
 * `?token=<session token>` for the room in the path: browsers cannot set headers on a WebSocket.
 * The token names its tenant, so no tenant header is needed; one for another room gets 403, and
 * one that is not genuine, has expired or names a tenant no longer served gets 401. It sets what
 * session auth sets.
 */
export const roomAuth = createMiddleware<RoomMemberEnv>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.sessionAuth);
  const [token, ...more] = c.req.queries("token") ?? [];
  if (more.length > 0) {
    throw new ApiError("invalid_request", "Send the room token once: ?token=<token>", {
      details: { query: "token" },
    });
  }
  // A WebSocket's token travels in the query, so a Bearer challenge would name the wrong remedy.
  if (!token) throw missingCredential("Send the room token: ?token=<token>", {});
  const now = Math.floor(Date.now() / 1000);
  const claims = await verifyWithEither(config, (secret) => verifySessionToken(secret, token, now));
  const tenant = claims && findTenant(config.TENANTS, claims.tenant);
  if (!claims || !tenant) throw invalidCredential("room token");
  if (claims.room !== c.req.param("room_id")) throw forbidden("room");
  c.set("tenant", tenant);
  c.set("roomMember", claims);
  await next();
});
