import type { Hono } from "hono";
import { API_ROUTES } from "../../../contracts/api/routes.ts";
import { ApiError } from "../api-error.ts";
import { servesLiveInput } from "../channels.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { statusHolder } from "../durable/channel-status.ts";
import { instantNs } from "../durable/status-log.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/**
 * `POST /api/stream/webhook`: Cloudflare's live input notifications, to the live input's status
 * holder. Answered 200 whatever became of a genuine one, so that Cloudflare does not retry it.
 */
export function webhookRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.streamWebhook, async (c, { body }) => {
    const { TENANTS } = requireConfig(c.env, NEEDS.webhook);
    const asOf = instantNs(body.data.updated_at);
    if (asOf === undefined) {
      const issue = { in: "body", path: "data.updated_at", message: "must be an RFC 3339 date-time" };
      throw new ApiError("invalid_request", `Invalid body: data.updated_at: ${issue.message}`, {
        details: { issues: [issue] },
      });
    }
    if (!servesLiveInput(TENANTS, body.data.input_id)) return { outcome: "unknown_live_input" as const };
    const outcome = await statusHolder(c.env, body.data.input_id).notify(body.data, String(asOf));
    return { outcome };
  });
}
