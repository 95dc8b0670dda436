import type { Context, Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { TrackObject } from "#contracts/cloudflare/realtime.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { roomOf } from "../durable/room.ts";
import type { AppEnv } from "../env.ts";
import { limitMinting } from "../middleware/rate-limit.ts";
import { admitSessionCall, limitSessionCalls } from "../middleware/session-call-limit.ts";
import { mount } from "../mount.ts";
import { mintRoomSession } from "../room-session.ts";
import type { RouteEnv } from "../route-env.ts";
import type { UpstreamOptions } from "../upstream/http.ts";
import { SfuClient } from "../upstream/sfu.ts";

/**
 * Remote tracks may only be pulled from sessions of the caller's own tenant and room: the room
 * knows which sessions were minted for it. Checked before anything reaches Realtime, which would
 * hand out any session's tracks to whoever names it.
 */
async function requireSameRoomSessions(
  c: Context<RouteEnv<"session">>,
  tracks: Pick<TrackObject, "sessionId">[],
): Promise<void> {
  const caller = c.get("roomMember");
  const named = tracks.flatMap((t) => (t.sessionId && t.sessionId !== caller.session ? [t.sessionId] : []));
  if (named.length === 0) return;
  const foreign = await roomOf(c.env, caller.tenant, caller.room).foreignSessions(named);
  if (foreign.length > 0) {
    throw new ApiError("forbidden", `Tracks can only be pulled from sessions of room ${caller.room}`, {
      details: { session_ids: foreign },
    });
  }
}

export function sfuRoutes(app: Hono<AppEnv>, upstream: UpstreamOptions = {}): void {
  /** The session proxy's client: each retry is one more call, counted against the session's share too. */
  const proxy = (c: Context<RouteEnv<"session">>) =>
    new SfuClient(requireConfig(c.env, NEEDS.sfu), {
      ...upstream,
      admitRetry: () => admitSessionCall(c, c.get("roomMember")),
    });

  mount(app, API_ROUTES.sfuSession, limitMinting({ turn: false }), async (c, { body }) => {
    const config = requireConfig(c.env, NEEDS.sfu);
    const { sessionId } = await new SfuClient(config, upstream).newSession();
    const grant = await mintRoomSession(c, config.SIGNING_SECRET, {
      room: body.room_id,
      user: body.user_id,
      name: body.user_name,
      session: sessionId,
    });
    return {
      session_id: sessionId,
      room_id: body.room_id,
      app_id: config.SFU_APP_ID,
      ...grant,
    };
  });

  mount(app, API_ROUTES.sfuTracksNew, limitSessionCalls, async (c, { params, body }) => {
    await requireSameRoomSessions(c, body.tracks);
    return proxy(c).tracksNew(params.session_id, body);
  });
  mount(app, API_ROUTES.sfuDataChannelsNew, limitSessionCalls, async (c, { params, body }) => {
    await requireSameRoomSessions(c, body.dataChannels);
    return proxy(c).dataChannelsNew(params.session_id, body);
  });
  mount(app, API_ROUTES.sfuRenegotiate, limitSessionCalls, (c, { params, body }) =>
    proxy(c).renegotiate(params.session_id, body),
  );
  mount(app, API_ROUTES.sfuTracksClose, limitSessionCalls, (c, { params, body }) =>
    proxy(c).tracksClose(params.session_id, body),
  );
  mount(app, API_ROUTES.sfuSessionGet, limitSessionCalls, (c, { params }) =>
    proxy(c).getSession(params.session_id),
  );
}
