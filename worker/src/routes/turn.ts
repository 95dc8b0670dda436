import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { limitMinting } from "../middleware/rate-limit.ts";
import { ttlCap } from "../middleware/ttl-cap.ts";
import { mount } from "../mount.ts";
import type { UpstreamOptions } from "../upstream/http.ts";
import { TurnClient, withoutPort53 } from "../upstream/turn.ts";

/** The deployment may cap TTLs below Cloudflare's; checked before any budget is spent. */
const withinConfiguredTtl = ttlCap((env) => requireConfig(env, NEEDS.turn).CREDENTIAL_TTL_MAX);

export function turnRoutes(app: Hono<AppEnv>, upstream: UpstreamOptions = {}): void {
  mount(app, API_ROUTES.turn, withinConfiguredTtl, limitMinting({ turn: true }), async (c, { body }) => {
    const config = requireConfig(c.env, NEEDS.turn);
    const ttl = body.ttl ?? config.CREDENTIAL_TTL_DEFAULT;
    const tenant = c.get("tenant");
    const issuedAt = Date.now();
    const customIdentifier = body.user_id ? `${tenant.id}:${body.user_id}` : tenant.id;
    const { iceServers } = await new TurnClient(config, upstream).generateIceServers(ttl, customIdentifier);
    return {
      iceServers: withoutPort53(iceServers),
      expires_at: new Date(issuedAt + ttl * 1000).toISOString(),
    };
  });
}
