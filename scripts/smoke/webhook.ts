import { createServerClient, type ServerClient } from "#client/server.ts";
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

/**
 * Posts a Stream notification for a live input the stack does not have to the Worker's webhook,
 * signed with `secret`: accepted, it answers `unknown_live_input` and changes nothing; with a secret
 * the Worker does not hold, 401. The rotation's check of the webhook secret and the tests use it.
 */
export function postUnknownInputNotification(workerUrl: string, secret: string, signal?: AbortSignal) {
  const notification = {
    ts: Math.floor(Date.now() / 1000),
    data: {
      input_id: "0".repeat(32),
      event_type: "live_input.connected" as const,
      updated_at: new Date().toISOString(),
    },
  };
  return createServerClient({ baseUrl: workerUrl })
    .webhook(secret)
    .streamWebhook(notification, signal ? { signal } : {});
}
