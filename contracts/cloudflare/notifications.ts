import * as z from "zod/mini";

export const webhookDestinationWrite = z.object({
  name: z.string().check(z.minLength(1)),
  url: z.url(),
  secret: z.exactOptional(z.string()),
});

/** The secret is write-only: never part of a response (docs/reference/cloudflare-api.md §2.1). */
export const webhookDestination = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  type: z.string(),
  created_at: z.string(),
  last_success: z.nullable(z.string()),
  last_failure: z.nullable(z.string()),
});

export const LIVE_INPUT_ALERT = "stream_live_notifications";

export const notificationPolicyWrite = z.object({
  name: z.string().check(z.minLength(1)),
  alert_type: z.string().check(z.minLength(1)),
  enabled: z.boolean(),
  description: z.exactOptional(z.string()),
  mechanisms: z.object({
    webhooks: z.exactOptional(z.array(z.object({ id: z.string() }))),
    email: z.exactOptional(z.array(z.object({ id: z.string() }))),
    pagerduty: z.exactOptional(z.array(z.object({ id: z.string() }))),
  }),
  filters: z.exactOptional(z.record(z.string(), z.array(z.string()))),
});

export const notificationPolicy = z.extend(notificationPolicyWrite, {
  id: z.string(),
  created: z.string(),
  modified: z.string(),
});

export const LIVE_INPUT_EVENTS = [
  "live_input.connected",
  "live_input.disconnected",
  "live_input.errored",
] as const;

/** What Cloudflare posts for `stream_live_notifications` (docs/reference/cloudflare-api.md §2.1). */
export const liveInputNotification = z.object({
  name: z.exactOptional(z.string()),
  text: z.exactOptional(z.string()),
  ts: z.number(),
  account_id: z.exactOptional(z.string()),
  policy_id: z.exactOptional(z.string()),
  policy_name: z.exactOptional(z.string()),
  alert_type: z.exactOptional(z.string()),
  alert_correlation_id: z.exactOptional(z.string()),
  alert_event: z.exactOptional(z.string()),
  data: z.object({
    notification_name: z.exactOptional(z.string()),
    input_id: z.string().check(z.minLength(1), z.maxLength(32)),
    event_type: z.enum(LIVE_INPUT_EVENTS),
    updated_at: z.string().check(z.minLength(1)),
    live_input_errored: z.exactOptional(
      z.object({
        error: z.object({ code: z.string(), message: z.string() }),
        video_codec: z.exactOptional(z.string()),
        audio_codec: z.exactOptional(z.string()),
      }),
    ),
  }),
});
export type LiveInputNotification = z.infer<typeof liveInputNotification>;
