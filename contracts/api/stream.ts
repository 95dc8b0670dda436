import * as z from "zod/mini";
import { id } from "../ids.ts";

export const channelName = id("channel");

/** `GET /api/stream/status?channel=` */
export const streamStatusQuery = z.object({ channel: channelName });

export const playbackUrls = z.object({
  hls: z.url(),
  dash: z.url(),
  /** WebRTC playback (WHEP): only for WHIP ingest. */
  whep: z.url(),
});

export const channelStatus = z.object({
  channel: channelName,
  live_input_id: z.string(),
  /** True only while Cloudflare reports `connected` or `reconnected`. */
  connected: z.boolean(),
  /** Cloudflare's status string, or null when the input never connected. */
  state: z.nullable(z.string()),
  enabled: z.boolean(),
  /** When the Worker learned this status: its last read from Cloudflare, or a notification. */
  checked_at: z.iso.datetime(),
  /** What Cloudflare's last `live_input.errored` notification reported, until the status changes. */
  error: z.nullable(z.object({ code: z.string(), message: z.string() })),
  playback: playbackUrls,
});
/** A channel's status as the API shows it (the status holder Durable Object is `ChannelStatus`). */
export type ChannelStatusView = z.infer<typeof channelStatus>;

/** `POST /api/stream/connect` */
export const streamConnectRequest = z.object({ channel: channelName });

export const ingestDetails = z.object({
  rtmps: z.object({ url: z.string(), stream_key: z.string() }),
  srt: z.object({ url: z.string(), stream_id: z.string(), passphrase: z.string() }),
  /** WHIP: the URL itself is the credential. */
  whip: z.object({ url: z.string() }),
});

export const streamConnectData = z.object({
  /** True when the live input was disabled and this call enabled it again. */
  reenabled: z.boolean(),
  ingest: ingestDetails,
  status: channelStatus,
});
export type StreamConnectData = z.infer<typeof streamConnectData>;
