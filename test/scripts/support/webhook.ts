import { createServerClient } from "#client/server.ts";

/**
 * Posts a Stream notification for a live input the stack does not have to the Worker's webhook,
 * signed with `secret`: accepted, it answers `unknown_live_input`; with a wrong secret, 401.
 */
export function postUnknownInputNotification(workerUrl: string, secret: string) {
  const notification = {
    ts: Math.floor(Date.now() / 1000),
    data: {
      input_id: "0".repeat(32),
      event_type: "live_input.connected" as const,
      updated_at: new Date().toISOString(),
    },
  };
  return createServerClient({ baseUrl: workerUrl }).webhook(secret).streamWebhook(notification);
}
