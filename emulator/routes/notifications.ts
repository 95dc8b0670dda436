import type { Context } from "hono";
import { Hono } from "hono";
import * as z from "zod";
import {
  notificationPolicyWrite,
  webhookDestinationWrite,
} from "../../contracts/cloudflare/notifications.ts";
import { requirePermission } from "../auth.ts";
import type { Env } from "../context.ts";
import { newUuid, now } from "../ids.ts";
import { cfOk } from "../respond.ts";
import type { EmulatorData, StoredPolicy, StoredWebhook } from "../state.ts";
import { jsonBody } from "../validate.ts";
import { findOr404 } from "./lookup.ts";

/** Cloudflare derives a destination's type from its URL (docs/reference/cloudflare-api.md §2.1). */
const WEBHOOK_TYPES: [RegExp, string][] = [
  [/(^|\.)hooks\.slack\.com$/, "slack"],
  [/(^|\.)discord(app)?\.com$/, "discord"],
  [/^chat\.googleapis\.com$/, "gchat"],
  [/(^|\.)datadoghq\.(com|eu)$/, "datadog"],
  [/(^|\.)(feishu\.cn|larksuite\.com)$/, "feishu"],
  [/(^|\.)opsgenie\.com$/, "opsgenie"],
  [/(^|\.)splunkcloud\.com$/, "splunk"],
];
const webhookType = (url: string) =>
  WEBHOOK_TYPES.find(([host]) => host.test(new URL(url).hostname))?.[1] ?? "generic";

/** Only http(s) can be delivered to; anything else would fail silently at the first event. */
const webhookBody = z
  .object(webhookDestinationWrite.shape)
  .refine((b) => URL.canParse(b.url) && /^https?:$/.test(new URL(b.url).protocol), {
    path: ["url"],
    message: "must be an http or https URL",
  });

/** The secret is write-only: no response ever carries it. */
const webhookView = ({ secret: _secret, ...visible }: StoredWebhook) => visible;

/** A policy must name destinations that exist, or it would never deliver. */
const knownDestinations =
  (data: EmulatorData) => (body: { mechanisms?: { webhooks?: { id: string }[] } }, ctx: z.RefinementCtx) => {
    for (const [i, { id }] of (body.mechanisms?.webhooks ?? []).entries()) {
      if (!Object.hasOwn(data.webhooks, id)) {
        ctx.addIssue({
          code: "custom",
          path: ["mechanisms", "webhooks", i, "id"],
          message: `unknown webhook destination ${id}`,
        });
      }
    }
  };

const findWebhook = (c: Context<Env>) =>
  findOr404(c.get("services").state.data.webhooks, c.req.param("webhook_id")!, "Webhook destination");
const findPolicy = (c: Context<Env>) =>
  findOr404(c.get("services").state.data.policies, c.req.param("policy_id")!, "Policy");

/** Notifications (alerting v3): webhook destinations and policies (docs/reference/cloudflare-api.md §2.1). */
export const notificationRoutes = new Hono<Env>();

notificationRoutes.post("/destinations/webhooks", requirePermission("Notifications Write"), async (c) => {
  const body = await jsonBody(c, webhookBody);
  const { state } = c.get("services");
  const webhook: StoredWebhook = {
    id: newUuid(),
    name: body.name,
    url: body.url,
    ...(body.secret !== undefined ? { secret: body.secret } : {}),
    type: webhookType(body.url),
    created_at: now(),
    last_success: null,
    last_failure: null,
  };
  state.data.webhooks[webhook.id] = webhook;
  state.persist();
  return cfOk(c, { id: webhook.id }, 201);
});

notificationRoutes.get("/destinations/webhooks", requirePermission("Notifications Read"), (c) =>
  cfOk(c, Object.values(c.get("services").state.data.webhooks).map(webhookView)),
);

notificationRoutes.get("/destinations/webhooks/:webhook_id", requirePermission("Notifications Read"), (c) =>
  cfOk(c, webhookView(findWebhook(c))),
);

notificationRoutes.put(
  "/destinations/webhooks/:webhook_id",
  requirePermission("Notifications Write"),
  async (c) => {
    const webhook = findWebhook(c);
    const body = await jsonBody(c, webhookBody);
    webhook.name = body.name;
    webhook.url = body.url;
    webhook.type = webhookType(body.url);
    // Write-only means callers cannot read it back to resend it: an update without one keeps it.
    if (body.secret !== undefined) webhook.secret = body.secret;
    c.get("services").state.persist();
    return cfOk(c, { id: webhook.id });
  },
);

notificationRoutes.delete(
  "/destinations/webhooks/:webhook_id",
  requirePermission("Notifications Write"),
  (c) => {
    const webhook = findWebhook(c);
    const { state } = c.get("services");
    delete state.data.webhooks[webhook.id];
    state.persist();
    return cfOk(c, null);
  },
);

notificationRoutes.post("/policies", requirePermission("Notifications Write"), async (c) => {
  const { state } = c.get("services");
  const body = await jsonBody(
    c,
    z.object(notificationPolicyWrite.shape).superRefine(knownDestinations(state.data)),
  );
  const at = now();
  const policy: StoredPolicy = { id: newUuid(), ...body, created: at, modified: at };
  state.data.policies[policy.id] = policy;
  state.persist();
  return cfOk(c, { id: policy.id });
});

notificationRoutes.get("/policies", requirePermission("Notifications Read"), (c) =>
  cfOk(c, Object.values(c.get("services").state.data.policies)),
);

notificationRoutes.get("/policies/:policy_id", requirePermission("Notifications Read"), (c) =>
  cfOk(c, findPolicy(c)),
);

/** Fields left out keep their value, as the SDK's all-optional update params imply. */
notificationRoutes.put("/policies/:policy_id", requirePermission("Notifications Write"), async (c) => {
  const policy = findPolicy(c);
  const { state } = c.get("services");
  const body = await jsonBody(
    c,
    z.object(notificationPolicyWrite.shape).partial().superRefine(knownDestinations(state.data)),
  );
  Object.assign(policy, body, { modified: now() });
  state.persist();
  return cfOk(c, { id: policy.id });
});

notificationRoutes.delete("/policies/:policy_id", requirePermission("Notifications Write"), (c) => {
  const policy = findPolicy(c);
  const { state } = c.get("services");
  delete state.data.policies[policy.id];
  state.persist();
  return cfOk(c, null);
});
