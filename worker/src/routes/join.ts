import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { roomOf } from "../durable/room.ts";
import type { AppEnv } from "../env.ts";
import { limitMinting } from "../middleware/rate-limit.ts";
import { mount } from "../mount.ts";
import { mintRoomSession } from "../room-session.ts";
import type { UpstreamOptions } from "../upstream/http.ts";
import { SfuClient } from "../upstream/sfu.ts";
import { TurnClient, withoutPort53 } from "../upstream/turn.ts";

/**
 * `POST /api/realtime/join`: the room decides the topology and counts the user in; then the
 * credentials for it are minted, and only then does a join that moves the room to the SFU move
 * it. Should minting fail, the place is given back and the room stays as it was.
 */
export function joinRoutes(app: Hono<AppEnv>, upstream: UpstreamOptions = {}): void {
  mount(app, API_ROUTES.join, limitMinting({ turn: true }), async (c, { body }) => {
    const turnConfig = requireConfig(c.env, NEEDS.turn);
    const sfuConfig = requireConfig(c.env, NEEDS.sfu);
    const tenant = c.get("tenant");
    const room = roomOf(c.env, tenant.id, body.room_id);
    const admission = await room.admit(body.user_id);
    try {
      const [{ iceServers }, session] = await Promise.all([
        new TurnClient(turnConfig, upstream).generateIceServers(
          turnConfig.CREDENTIAL_TTL_DEFAULT,
          `${tenant.id}:${body.user_id}`,
        ),
        admission.topology === "sfu" ? new SfuClient(sfuConfig, upstream).newSession() : undefined,
      ]);
      const grant = await mintRoomSession(c, sfuConfig.SIGNING_SECRET, {
        room: body.room_id,
        user: body.user_id,
        name: body.user_name,
        session: session?.sessionId ?? "",
      });
      if (admission.movesToSfu) await room.moveToSfu();
      return {
        topology: admission.topology,
        tenant: tenant.id,
        room_id: body.room_id,
        user_id: body.user_id,
        ice_servers: withoutPort53(iceServers),
        ...(session ? { sfu: { session_id: session.sessionId, app_id: sfuConfig.SFU_APP_ID } } : {}),
        participants: admission.participants,
        ...grant,
      };
    } catch (error) {
      await room.release(body.user_id, admission.reservedUntil);
      throw error;
    }
  });
}
