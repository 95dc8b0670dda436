import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { IceServer } from "#contracts/cloudflare/realtime.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { limitMinting } from "../middleware/rate-limit.ts";
import { ttlCap } from "../middleware/ttl-cap.ts";
import { mount } from "../mount.ts";
import type { UpstreamOptions } from "../upstream/http.ts";
import { TurnClient } from "../upstream/turn.ts";

const PORT_53 = /:53(\?|$)/;

/**
 * Cloudflare's ICE servers minus port-53 URLs, which browsers try and time out on without trickle
 * ICE (Cloudflare's advice); a server left with no URL is dropped, the rest keep their shape.
 */
export function withoutPort53(servers: IceServer[]): IceServer[] {
  return servers.flatMap((server) => {
    if (typeof server.urls === "string") return PORT_53.test(server.urls) ? [] : [server];
    const urls = server.urls.filter((url) => !PORT_53.test(url));
    return urls.length > 0 ? [{ ...server, urls }] : [];
  });
}

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
