import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { SSE_HEADERS } from "#contracts/sse.ts";
import { channelOf } from "../channels.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { channelStatusCaller, channelStatusOf, type EventsRequest } from "../durable/channel-status.ts";
import { type ReadFailure, readFailureError } from "../durable/status-result.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/** `GET /api/stream/events?channel=`: the channel status object streams it; this Worker passes it on. */
export function eventRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.streamEvents, async (c, { query }) => {
    requireConfig(c.env, NEEDS.stream);
    const tenant = c.get("tenant");
    const binding = channelOf(tenant, query.channel);
    const ask: EventsRequest = {
      liveInputId: binding.liveInputId,
      channel: query.channel,
      playbackBase: binding.playbackBase,
      signed: binding.signed,
      outputs: binding.outputs,
      lastEventId: c.req.header("last-event-id"),
      caller: channelStatusCaller(c.env, tenant.id),
    };
    const res = await channelStatusOf(c.env, binding.liveInputId).fetch("https://channel-status/events", {
      method: "POST",
      body: JSON.stringify(ask),
    });
    if (!res.ok) throw readFailureError((await res.json()) as ReadFailure);
    return new Response(res.body, { headers: SSE_HEADERS });
  });
}
