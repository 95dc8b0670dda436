import * as z from "zod/mini";

/** `POST /api/dashboard/token`: a short-lived token for the dashboard, in exchange for the tenant key or a live token. */
export const dashboardTokenData = z.object({
  /** Use as `Authorization: Bearer <token>` with `X-Tenant-ID`, wherever the tenant key is accepted. */
  token: z.string(),
  expires_at: z.iso.datetime(),
  /** After this, no refresh is granted: sign in with the tenant key again. */
  session_expires_at: z.iso.datetime(),
});
export type DashboardTokenData = z.infer<typeof dashboardTokenData>;

/** `GET /api/stream/channels`: the tenant's channels. */
export const channelListData = z.object({
  channels: z.array(z.object({ channel: z.string(), live_input_id: z.string() })),
});
export type ChannelListData = z.infer<typeof channelListData>;
