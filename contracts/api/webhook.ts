import * as z from "zod/mini";
import { liveInputNotification } from "../cloudflare/notifications.ts";

/**
 * The test message Cloudflare's dashboard posts when a destination is saved and tested, `{"text":
 * "Hello World! This is a test message …"}` (docs/reference/rotation-credentials.md §2). It carries
 * neither `ts` nor `data`, which every notification carries.
 */
export const destinationTestMessage = z.object({
  text: z.string(),
  ts: z.exactOptional(z.never()),
  data: z.exactOptional(z.never()),
});

/** What Cloudflare posts to a webhook destination: a live input notification, or the test message. */
export const webhookDelivery = z.union([liveInputNotification, destinationTestMessage]);
export type WebhookDelivery = z.infer<typeof webhookDelivery>;

/**
 * What became of a notification. Only `applied` changed the status; the others are answered 200
 * too, so that Cloudflare does not retry what would change nothing.
 */
export const webhookOutcome = z.enum([
  "applied",
  /** The status already says this. */
  "duplicate",
  /** A newer status is already held: an older event never overwrites it. */
  "stale",
  /** No channel of this stack uses the live input. */
  "unknown_live_input",
  /** Cloudflare's test message for the destination: nothing to apply. */
  "test",
]);
export type WebhookOutcome = z.infer<typeof webhookOutcome>;

export const webhookData = z.object({ outcome: webhookOutcome });
export type WebhookData = z.infer<typeof webhookData>;
