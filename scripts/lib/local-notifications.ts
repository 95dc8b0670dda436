import * as z from "zod";
import { LIVE_INPUT_ALERT } from "../../contracts/cloudflare/notifications.ts";
import { PROJECT } from "../local-engine/local-config.ts";
import type { LocalStack } from "../local-engine/local-stack.ts";
import { CloudflareRest } from "./cloudflare-rest.ts";

const created = z.object({ id: z.string() });

/**
 * Live input notifications to the local Worker. Cloudflare posts them to the Worker's public URL;
 * locally the Worker listens on a loopback port, so the emulator gets a destination there, with
 * the stack's webhook secret, and a policy for the given live inputs.
 */
export async function notifyLocalWorker(stack: LocalStack, liveInputIds: string[]): Promise<void> {
  const secret = stack.config()[`${PROJECT}:webhookSecret`];
  if (!secret) throw new Error("the stack's config has no webhook secret");
  const api = new CloudflareRest({ baseUrl: stack.emulator.apiBase, token: stack.emulator.adminToken });
  const account = `/accounts/${stack.emulator.accountId}`;
  const destination = await api.call("POST", `${account}/alerting/v3/destinations/webhooks`, created, {
    name: "local worker: live input events",
    url: `${stack.worker.url}/api/stream/webhook`,
    secret,
  });
  await api.call("POST", `${account}/alerting/v3/policies`, created, {
    name: "local worker: live input events",
    alert_type: LIVE_INPUT_ALERT,
    enabled: true,
    mechanisms: { webhooks: [{ id: destination.id }] },
    filters: { input_id: liveInputIds },
  });
}
