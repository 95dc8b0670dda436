import * as z from "zod/mini";

/**
 * `GET /api/probe/status`: the stack's probe live input as the Worker sees it, for the post-deploy
 * ingest probe. Authenticated by the stack's probe key (`rpk.…`, contracts/probe-key.ts), which
 * reads this and nothing else: no tenant's channel, no credential, no ingest detail.
 */
export const probeStatusData = z.object({
  live_input_id: z.string(),
  /** True only while Cloudflare reports `connected` or `reconnected`. */
  connected: z.boolean(),
  /** Cloudflare's status string, or null when the input never connected. */
  state: z.nullable(z.string()),
  enabled: z.boolean(),
  /** When the Worker learned this status: its read from Cloudflare, or a notification. */
  checked_at: z.iso.datetime(),
});
