import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { channelStatusCaller, channelStatusOf } from "../durable/channel-status.ts";
import { readFailureError } from "../durable/status-result.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { PROBE_CALLER } from "../tenants.ts";

/**
 * How old a held status the probe route answers with: a probe polls once a second, so this bounds
 * its Cloudflare reads to about one a second, a small part of the Worker's API token budget.
 */
export const PROBE_STATUS_MAX_AGE_MS = 1_000;

/**
 * `GET /api/probe/status`: the probe input's status from its channel status object, the same object (and
 * notifications) a channel's status comes from, so that a probe proves the path Stream → Worker.
 * It reads the API rather than the delivery host: an ingest probe must see `enabled` as it is now,
 * before it broadcasts. Its reads are paid from the probes' own reserve of the Cloudflare API
 * budget, never a tenant's.
 */
export function probeRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.probeStatus, async (c) => {
    const { PROBE_LIVE_INPUT_ID: id } = requireConfig(c.env, [...NEEDS.stream, "PROBE_LIVE_INPUT_ID"]);
    if (!id)
      throw new ApiError(
        "not_found",
        "This stack has no probe input (realtime-stack:probe.enabled is false)",
      );
    const result = await channelStatusOf(c.env, id).current(
      id,
      channelStatusCaller(c.env, PROBE_CALLER),
      PROBE_STATUS_MAX_AGE_MS,
      true,
    );
    if (!result.ok) throw readFailureError(result);
    const { snapshot } = result;
    return {
      live_input_id: id,
      connected: snapshot.connected,
      state: snapshot.state,
      enabled: snapshot.enabled,
      checked_at: snapshot.checkedAt,
    };
  });
}
