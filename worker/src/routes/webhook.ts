import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { channelStatusCaller, channelStatusOf } from "../durable/channel-status.ts";
import { instantNs, nowNs } from "../durable/status-log.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { liveInputOwners, PROBE_CALLER } from "../tenants.ts";

/**
 * How far ahead of the Worker's clock a notification's `updated_at` may be. Notifications are
 * ordered by it, so one dated later would outrank every real one until then: refused instead.
 */
export const NOTIFICATION_MAX_SKEW_MS = 60_000;

const invalidUpdatedAt = (message: string) => {
  const issue = { in: "body", path: "data.updated_at", message };
  return new ApiError("invalid_request", `Invalid body: data.updated_at: ${message}`, {
    details: { issues: [issue] },
  });
};

/**
 * `POST /api/stream/webhook`: Cloudflare's live input notifications, to the live input's channel
 * status object. Answered 200 whatever became of a genuine one, so that Cloudflare does not retry it,
 * and to Cloudflare's test message, which a destination must accept to be saved in its dashboard.
 */
export function webhookRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.streamWebhook, async (c, { body }) => {
    const { TENANTS, PROBE_LIVE_INPUT_ID } = requireConfig(c.env, NEEDS.webhook);
    if (body.data === undefined) return { outcome: "test" as const };
    const asOf = instantNs(body.data.updated_at);
    if (asOf === undefined) throw invalidUpdatedAt("must be an RFC 3339 date-time");
    if (asOf > nowNs(Date.now() + NOTIFICATION_MAX_SKEW_MS)) {
      throw invalidUpdatedAt(`must not be more than ${NOTIFICATION_MAX_SKEW_MS / 1000} s ahead of now`);
    }
    // The probe input is no tenant's: its reads are paid from the probe's own reserve.
    const owner =
      liveInputOwners(TENANTS).get(body.data.input_id) ??
      (body.data.input_id === PROBE_LIVE_INPUT_ID ? PROBE_CALLER : undefined);
    if (!owner) return { outcome: "unknown_live_input" as const };
    const status = channelStatusOf(c.env, body.data.input_id);
    const outcome = await status.notify(body.data, String(asOf), channelStatusCaller(c.env, owner));
    return { outcome };
  });
}
