import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { ApiError } from "../api-error.ts";
import { MEMBER_HEADER, roomOf } from "../durable/room.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/** `GET /api/realtime/rooms/:room_id/ws?token=`: the verified member's socket, handed to the room. */
export function roomRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.roomSocket, async (c, { params }) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(
        "upgrade_required",
        "The room socket is a WebSocket: connect with Upgrade: websocket",
        {
          headers: { upgrade: "websocket" },
        },
      );
    }
    const headers = new Headers(c.req.raw.headers);
    headers.set(MEMBER_HEADER, JSON.stringify(c.get("roomMember")));
    const upgraded = await roomOf(c.env, c.get("tenant").id, params.room_id).fetch(
      new Request(c.req.url, { headers }),
    );
    // A fresh Response: the room's has immutable headers, and the middleware adds some.
    return new Response(null, { status: upgraded.status, webSocket: upgraded.webSocket });
  });
}
