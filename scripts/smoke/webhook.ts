import type { ServerClient } from "#client/server.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";

/** The live-input webhook refuses a notification without Cloudflare's `cf-webhook-auth` secret. */
export function webhookCheck(api: ServerClient): SmokeCheck {
  return {
    name: "webhook",
    async run(signal) {
      const res = await api.raw(API_ROUTES.streamWebhook.path, {
        method: API_ROUTES.streamWebhook.method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: { event_type: "live_input.connected", input_id: "smoke" } }),
        signal,
      });
      await res.body?.cancel();
      if (res.status === 404) {
        throw new CheckFailed(
          "the Worker has no webhook route (POST /api/stream/webhook answered 404): the deployed Worker predates it",
        );
      }
      if (res.status !== 401) {
        throw new CheckFailed(`a notification without cf-webhook-auth got HTTP ${res.status}, expected 401`);
      }
      return "no secret: 401";
    },
  };
}
