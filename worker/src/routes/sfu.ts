import type { Hono } from "hono";
import { API_ROUTES } from "../../../contracts/api/routes.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { mintRateLimit } from "../middleware/rate-limit.ts";
import { mount } from "../mount.ts";
import { SESSION_TOKEN_TTL_SECONDS, signSessionToken } from "../session-token.ts";
import type { UpstreamOptions } from "../upstream/http.ts";
import { SfuClient } from "../upstream/sfu.ts";

/** The room socket of this Worker, on the origin the caller reached it by. */
export function roomSocketUrl(requestUrl: string, roomId: string): string {
  const url = new URL(`/api/realtime/rooms/${roomId}/ws`, requestUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function sfuRoutes(app: Hono<AppEnv>, upstream: UpstreamOptions = {}): void {
  const sfu = (env: object) => new SfuClient(requireConfig(env, NEEDS.sfu), upstream);

  mount(app, API_ROUTES.sfuSession, mintRateLimit, async (c, { body }) => {
    const config = requireConfig(c.env, NEEDS.sfu);
    const { sessionId } = await new SfuClient(config, upstream).newSession();
    const exp = Math.floor(Date.now() / 1000) + SESSION_TOKEN_TTL_SECONDS;
    const token = await signSessionToken(config.SIGNING_SECRET, {
      tenant: c.get("tenant").id,
      room: body.room_id,
      user: body.user_id,
      name: body.user_name,
      session: sessionId,
      exp,
    });
    return {
      session_id: sessionId,
      room_id: body.room_id,
      token,
      ws_url: roomSocketUrl(c.req.url, body.room_id),
      app_id: config.SFU_APP_ID,
      expires_at: new Date(exp * 1000).toISOString(),
    };
  });

  mount(app, API_ROUTES.sfuTracksNew, (c, { params, body }) => sfu(c.env).tracksNew(params.session_id, body));
  mount(app, API_ROUTES.sfuRenegotiate, (c, { params, body }) =>
    sfu(c.env).renegotiate(params.session_id, body),
  );
  mount(app, API_ROUTES.sfuTracksClose, (c, { params, body }) =>
    sfu(c.env).tracksClose(params.session_id, body),
  );
  mount(app, API_ROUTES.sfuSessionGet, (c, { params }) => sfu(c.env).getSession(params.session_id));
}
