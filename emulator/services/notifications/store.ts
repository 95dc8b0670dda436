import type * as z from "zod";
import type {
  notificationPolicyWrite,
  webhookDestinationWrite,
} from "#contracts/cloudflare/notifications.ts";
import { Collection } from "../../core/collection.ts";
import { newUuid, now } from "../../core/ids.ts";
import type { Section, StateFile } from "../../core/state-file.ts";

export interface StoredWebhook {
  id: string;
  name: string;
  url: string;
  secret?: string;
  type: string;
  created_at: string;
  last_success: string | null;
  last_failure: string | null;
}

export interface StoredPolicy {
  id: string;
  name: string;
  alert_type: string;
  enabled: boolean;
  description?: string;
  mechanisms: { webhooks?: { id: string }[]; email?: { id: string }[]; pagerduty?: { id: string }[] };
  filters?: Record<string, string[]>;
  created: string;
  modified: string;
}

export type WebhookWrite = z.infer<typeof webhookDestinationWrite>;
export type PolicyWrite = z.infer<typeof notificationPolicyWrite>;

interface NotificationsSection {
  webhooks: Record<string, StoredWebhook>;
  policies: Record<string, StoredPolicy>;
}

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

const WEBHOOK = "Webhook destination";
const POLICY = "Policy";

/** Notification webhook destinations and policies (alerting v3). */
export class NotificationStore {
  private webhooks: Collection<StoredWebhook>;
  private policies: Collection<StoredPolicy>;
  private readonly section: Section<NotificationsSection>;

  constructor(state: StateFile) {
    this.section = state.section<NotificationsSection>(["webhooks", "policies"], () => ({
      webhooks: this.webhooks.toJSON(),
      policies: this.policies.toJSON(),
    }));
    this.webhooks = new Collection(WEBHOOK, this.section.loaded?.webhooks);
    this.policies = new Collection(POLICY, this.section.loaded?.policies);
  }

  listWebhooks(): Readonly<StoredWebhook>[] {
    return this.webhooks.values();
  }

  getWebhook(id: string): Readonly<StoredWebhook> | undefined {
    return this.webhooks.get(id);
  }

  /** The destination, or Cloudflare's 404. */
  findWebhook(id: string): Readonly<StoredWebhook> {
    return this.webhooks.find(id);
  }

  createWebhook(body: WebhookWrite): Readonly<StoredWebhook> {
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
    this.webhooks.set(webhook.id, webhook);
    this.section.changed();
    return webhook;
  }

  /** The secret is write-only, so callers cannot read it back to resend it: an update without one keeps it. */
  updateWebhook(id: string, body: WebhookWrite): Readonly<StoredWebhook> {
    const webhook = this.webhooks.find(id);
    webhook.name = body.name;
    webhook.url = body.url;
    webhook.type = webhookType(body.url);
    if (body.secret !== undefined) webhook.secret = body.secret;
    this.section.changed();
    return webhook;
  }

  deleteWebhook(id: string): void {
    this.webhooks.remove(id);
    this.section.changed();
  }

  /** The outcome of a delivery to the destination, if it still exists. */
  recordDelivery(id: string, ok: boolean): void {
    const destination = this.webhooks.get(id);
    if (!destination) return;
    if (ok) destination.last_success = now();
    else destination.last_failure = now();
    this.section.changed();
  }

  listPolicies(): Readonly<StoredPolicy>[] {
    return this.policies.values();
  }

  /** The policy, or Cloudflare's 404. */
  findPolicy(id: string): Readonly<StoredPolicy> {
    return this.policies.find(id);
  }

  createPolicy(body: PolicyWrite): Readonly<StoredPolicy> {
    const at = now();
    const policy: StoredPolicy = { id: newUuid(), ...body, created: at, modified: at };
    this.policies.set(policy.id, policy);
    this.section.changed();
    return policy;
  }

  /** Fields left out keep their value, as the SDK's all-optional update params imply. */
  updatePolicy(id: string, patch: Partial<PolicyWrite>): Readonly<StoredPolicy> {
    const policy = this.policies.find(id);
    Object.assign(policy, patch, { modified: now() });
    this.section.changed();
    return policy;
  }

  deletePolicy(id: string): void {
    this.policies.remove(id);
    this.section.changed();
  }

  reset(): void {
    this.webhooks = new Collection(WEBHOOK);
    this.policies = new Collection(POLICY);
    this.section.changed();
  }
}
