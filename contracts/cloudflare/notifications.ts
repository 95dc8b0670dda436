import * as z from "zod";

export const webhookDestinationWrite = z.object({
  name: z.string().min(1),
  url: z.url(),
  secret: z.string().optional(),
});

/** The secret is write-only: never part of a response (reference §2.1). */
export const webhookDestination = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  type: z.string(),
  created_at: z.string(),
  last_success: z.string().nullable(),
  last_failure: z.string().nullable(),
});

export const LIVE_INPUT_ALERT = "stream_live_notifications";

export const notificationPolicyWrite = z.object({
  name: z.string().min(1),
  alert_type: z.string().min(1),
  enabled: z.boolean(),
  description: z.string().optional(),
  mechanisms: z.object({
    webhooks: z.array(z.object({ id: z.string() })).optional(),
    email: z.array(z.object({ id: z.string() })).optional(),
    pagerduty: z.array(z.object({ id: z.string() })).optional(),
  }),
  filters: z.record(z.string(), z.array(z.string())).optional(),
});

export const notificationPolicy = notificationPolicyWrite.extend({
  id: z.string(),
  created: z.string(),
  modified: z.string(),
});

export const LIVE_INPUT_EVENTS = [
  "live_input.connected",
  "live_input.disconnected",
  "live_input.errored",
] as const;

/** What Cloudflare posts for `stream_live_notifications` (reference §2.1). */
export const liveInputNotification = z.object({
  name: z.string().optional(),
  text: z.string().optional(),
  ts: z.number(),
  account_id: z.string().optional(),
  policy_id: z.string().optional(),
  policy_name: z.string().optional(),
  alert_type: z.string().optional(),
  alert_correlation_id: z.string().optional(),
  alert_event: z.string().optional(),
  data: z.object({
    notification_name: z.string().optional(),
    input_id: z.string().min(1).max(32),
    event_type: z.enum(LIVE_INPUT_EVENTS),
    updated_at: z.string().min(1),
    live_input_errored: z
      .object({
        error: z.object({ code: z.string(), message: z.string() }),
        video_codec: z.string().optional(),
        audio_codec: z.string().optional(),
      })
      .optional(),
  }),
});
export type LiveInputNotification = z.infer<typeof liveInputNotification>;
