import type { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { channelOf, playbackUrlsOf } from "../channels.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { limitMinting } from "../middleware/rate-limit.ts";
import { ttlCap } from "../middleware/ttl-cap.ts";
import { mount } from "../mount.ts";
import { playbackSigner, playbackToken } from "../playback-signer.ts";
import type { RouteEnv } from "../route-env.ts";

/** The deployment may cap TTLs below Cloudflare's; checked before any budget is spent. */
const withinConfiguredTtl = ttlCap((env) => requireConfig(env, NEEDS.playback).PLAYBACK_TOKEN_TTL_MAX);

/**
 * A channel the tenant does not have is a 404 before any budget is spent: a viewer retrying a
 * mistyped channel must not use up its user's credentials for the minute.
 */
const knownChannel = createMiddleware<RouteEnv<"tenant">>(async (c, next) => {
  channelOf(c.get("tenant"), (c.get("input").body as { channel: string }).channel);
  await next();
});

/**
 * Playback URLs for a tenant's channel. A private channel's carry a token in place of the live
 * input id, signed here with WebCrypto as Cloudflare's docs sign one in a Worker (docs/reference/
 * cloudflare-api.md §11.2): no call to Cloudflare per viewer, so the route spends no API budget.
 */
export function playbackTokenRoutes(app: Hono<AppEnv>): void {
  mount(
    app,
    API_ROUTES.streamPlaybackToken,
    withinConfiguredTtl,
    knownChannel,
    limitMinting({ turn: false }),
    async (c, { body }) => {
      const tenant = c.get("tenant");
      const binding = channelOf(tenant, body.channel);
      const plain = { channel: body.channel, live_input_id: binding.liveInputId };
      if (!binding.signed) {
        return {
          ...plain,
          signed: false,
          token: null,
          expires_at: null,
          playback: playbackUrlsOf(binding, binding.liveInputId),
        };
      }
      const config = requireConfig(c.env, NEEDS.playback);
      const ttl = body.ttl ?? config.PLAYBACK_TOKEN_TTL_DEFAULT;
      const exp = Math.floor(Date.now() / 1000) + ttl;
      const token = await playbackToken(await playbackSigner(config), {
        sub: binding.liveInputId,
        exp,
        ...(body.access_rules ? { accessRules: body.access_rules } : {}),
      });
      return {
        ...plain,
        signed: true,
        token,
        expires_at: new Date(exp * 1000).toISOString(),
        playback: playbackUrlsOf(binding, token),
      };
    },
  );
}
