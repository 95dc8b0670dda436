import { type Context, Hono } from "hono";
import * as z from "zod";
import { notificationPolicyWrite, webhookDestinationWrite } from "#contracts/cloudflare/notifications.ts";
import { exactPartial } from "#contracts/exact-partial.ts";
import type { Env } from "../../core/env.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { NotificationStore, StoredWebhook } from "./store.ts";

/** Only http(s) can be delivered to; anything else would fail silently at the first event. */
const webhookBody = z
  .object(webhookDestinationWrite.shape)
  .refine((b) => URL.canParse(b.url) && /^https?:$/.test(new URL(b.url).protocol), {
    path: ["url"],
    message: "must be an http or https URL",
  });

/** The secret is write-only: no response ever carries it. */
const webhookView = ({ secret: _secret, ...visible }: Readonly<StoredWebhook>) => visible;

/** A policy must name destinations that exist, or it would never deliver. */
const knownDestinations =
  (store: NotificationStore) =>
  (body: { mechanisms?: { webhooks?: { id: string }[] } }, ctx: z.RefinementCtx) => {
    for (const [i, { id }] of (body.mechanisms?.webhooks ?? []).entries()) {
      if (store.getWebhook(id) === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["mechanisms", "webhooks", i, "id"],
          message: `unknown webhook destination ${id}`,
        });
      }
    }
  };

/** Notifications (alerting v3): webhook destinations and policies (docs/reference/cloudflare-api.md §2.1). */
export function notificationRoutes(store: NotificationStore, requirePermission: RequirePermission) {
  const routes = new Hono<Env>();
  const webhookId = (c: Context<Env>) => c.req.param("webhook_id") ?? "";
  const policyId = (c: Context<Env>) => c.req.param("policy_id") ?? "";
  const policyBody = z.object(notificationPolicyWrite.shape).superRefine(knownDestinations(store));
  const policyPatch = z
    .object(exactPartial(notificationPolicyWrite).shape)
    .superRefine(knownDestinations(store));

  routes.post("/destinations/webhooks", requirePermission("Notifications Write"), async (c) => {
    const webhook = store.createWebhook(await jsonBody(c, webhookBody));
    return cfOk(c, { id: webhook.id }, 201);
  });

  routes.get("/destinations/webhooks", requirePermission("Notifications Read"), (c) =>
    cfOk(c, store.listWebhooks().map(webhookView)),
  );

  routes.get("/destinations/webhooks/:webhook_id", requirePermission("Notifications Read"), (c) =>
    cfOk(c, webhookView(store.findWebhook(webhookId(c)))),
  );

  routes.put("/destinations/webhooks/:webhook_id", requirePermission("Notifications Write"), async (c) => {
    store.findWebhook(webhookId(c));
    const body = await jsonBody(c, webhookBody);
    return cfOk(c, { id: store.updateWebhook(webhookId(c), body).id });
  });

  routes.delete("/destinations/webhooks/:webhook_id", requirePermission("Notifications Write"), (c) => {
    store.deleteWebhook(webhookId(c));
    return cfOk(c, null);
  });

  routes.post("/policies", requirePermission("Notifications Write"), async (c) => {
    const policy = store.createPolicy(await jsonBody(c, policyBody));
    return cfOk(c, { id: policy.id });
  });

  routes.get("/policies", requirePermission("Notifications Read"), (c) => cfOk(c, store.listPolicies()));

  routes.get("/policies/:policy_id", requirePermission("Notifications Read"), (c) =>
    cfOk(c, store.findPolicy(policyId(c))),
  );

  routes.put("/policies/:policy_id", requirePermission("Notifications Write"), async (c) => {
    store.findPolicy(policyId(c));
    const patch = await jsonBody(c, policyPatch);
    return cfOk(c, { id: store.updatePolicy(policyId(c), patch).id });
  });

  routes.delete("/policies/:policy_id", requirePermission("Notifications Write"), (c) => {
    store.deletePolicy(policyId(c));
    return cfOk(c, null);
  });

  return routes;
}
