import * as z from "zod";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { LIVE_INPUT_ALERT } from "#contracts/cloudflare/notifications.ts";
import { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { PROJECT } from "./local-config.ts";
import type { LocalStack } from "./local-stack.ts";

const NAME = "local worker: live input events";
const created = z.object({ id: z.string() });
const named = z.array(z.object({ id: z.string(), name: z.string() }).loose());

/**
 * Live input notifications to the local Worker. Cloudflare posts them to the Worker's public URL;
 * locally the Worker listens on a loopback port, so the emulator gets a destination there, with
 * the stack's webhook secret, and a policy for the given live inputs. Idempotent: a restarted
 * stack updates its destination and policy instead of adding more.
 */
export async function notifyLocalWorker(stack: LocalStack, liveInputIds: string[]): Promise<void> {
  const secret = stack.config()[`${PROJECT}:webhookSecret`];
  if (!secret) throw new Error("the stack's config has no webhook secret");
  const api = new CloudflareRest({ baseUrl: stack.emulator.apiBase, token: stack.emulator.adminToken });
  const alerting = `/accounts/${stack.emulator.accountId}/alerting/v3`;

  async function upsert(collection: string, body: Record<string, unknown>): Promise<string> {
    const existing = (await api.call("GET", `${alerting}/${collection}`, named)).find((d) => d.name === NAME);
    const path = existing ? `${alerting}/${collection}/${existing.id}` : `${alerting}/${collection}`;
    const result = await api.call(existing ? "PUT" : "POST", path, z.unknown(), { name: NAME, ...body });
    return existing?.id ?? created.parse(result).id;
  }

  const destination = await upsert("destinations/webhooks", {
    url: `${stack.worker.url}${ROUTE_TABLE.streamWebhook.path}`,
    secret,
  });
  await upsert("policies", {
    alert_type: LIVE_INPUT_ALERT,
    enabled: true,
    mechanisms: { webhooks: [{ id: destination }] },
    filters: { input_id: liveInputIds },
  });
}
