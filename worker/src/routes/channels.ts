import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/** `GET /api/stream/channels`: what the dashboard lists. */
export function channelRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.streamChannels, (c) => ({
    channels: Object.entries(c.get("tenant").channels).map(([channel, liveInputId]) => ({
      channel,
      live_input_id: liveInputId,
    })),
  }));
}
