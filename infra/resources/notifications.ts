import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";

export interface StatusNotificationsArgs {
  accountId: string;
  /** Prefix of the webhook's and policy's names in the Cloudflare dashboard. */
  label: string;
  /** The Worker's webhook route. */
  url: string;
  /** Sent verbatim in `cf-webhook-auth`; the Worker compares it. */
  secret: pulumi.Input<string>;
  /**
   * Every live input of the stack, in one policy's `filters.input_id`: neither Cloudflare's docs nor
   * the API schemas its SDK and Terraform provider are generated from (`filters.input_id: string[]`,
   * terraform-provider-cloudflare internal/services/notification_policy/schema.go) set a maximum,
   * so 3,000 ids (about 100 KB of body) need no second policy.
   */
  liveInputIds: pulumi.Input<string>[];
}

/**
 * Live input connect/disconnect/error events pushed to the Worker as they happen. Optional:
 * Cloudflare only delivers notification webhooks to accounts with a Pro zone, and the Worker's
 * cron refresh keeps status current without them.
 */
export function createStatusNotifications(
  prefix: string,
  args: StatusNotificationsArgs,
  opts: pulumi.CustomResourceOptions,
): void {
  const webhook = new cloudflare.NotificationPolicyWebhooks(
    `${prefix}-status-webhook`,
    {
      accountId: args.accountId,
      name: `${args.label}-live-input-events`,
      url: args.url,
      secret: args.secret,
    },
    opts,
  );
  new cloudflare.NotificationPolicy(
    `${prefix}-status-policy`,
    {
      accountId: args.accountId,
      name: `${args.label}-live-input-events`,
      alertType: "stream_live_notifications",
      enabled: true,
      mechanisms: { webhooks: [{ id: webhook.id }] },
      filters: { inputIds: args.liveInputIds },
    },
    opts,
  );
}
