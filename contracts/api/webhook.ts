import * as z from "zod/mini";

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
]);
export type WebhookOutcome = z.infer<typeof webhookOutcome>;

export const webhookData = z.object({ outcome: webhookOutcome });
export type WebhookData = z.infer<typeof webhookData>;
