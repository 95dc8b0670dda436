import * as z from "zod/mini";
import { accessRules, SIGNED_URL_MAX_TTL_SECONDS } from "../cloudflare/stream-keys.ts";
import { id } from "../ids.ts";

export const channelName = id("channel");

/** `GET /api/stream/status[?channel=]`: one channel, or without `channel` every channel of the tenant. */
export const streamStatusQuery = z.object({ channel: z.exactOptional(channelName) });

export const playbackUrls = z.object({
  hls: z.url(),
  dash: z.url(),
  /** WebRTC playback (WHEP): only for WHIP ingest. */
  whep: z.url(),
  /**
   * A JPEG of the broadcast, sized with `?width=&height=&fit=` (Cloudflare's thumbnail URL; what
   * it shows of a live input is the emulator's choice, the newest frame: docs/reference/cloudflare-api.md §13).
   */
  thumbnail: z.url(),
});

/** What a masked stream key shows: a fixed string, so that neither a character nor the length of the key is told. */
export const MASKED_STREAM_KEY = "********";

/**
 * A restream output of the channel as the stack declares it (Cloudflare reports an output's
 * `enabled` and nothing else, docs/reference/cloudflare-api.md §1.8): where to, without credentials
 * or query, and whether enabled; its stream key masked.
 */
export const channelOutputView = z.object({
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  stream_key: z.literal(MASKED_STREAM_KEY),
});
export type ChannelOutputView = z.infer<typeof channelOutputView>;

export const channelStatus = z.object({
  channel: channelName,
  live_input_id: z.string(),
  /** True only while Cloudflare reports `connected` or `reconnected`. */
  connected: z.boolean(),
  /**
   * Cloudflare's status string as last read from its API or notified; `connected` or
   * `disconnected` when Stream's delivery host has since seen the input go live or stop. Null
   * when the input never connected.
   */
  state: z.nullable(z.string()),
  /** As last read from Cloudflare's API (the status sweep re-reads it, see /healthz); true while live. */
  enabled: z.boolean(),
  /** When the Worker learned this status: its last check on Cloudflare, or a notification. */
  checked_at: z.iso.datetime(),
  /** Described in the OpenAPI document too: what clients see when Cloudflare cannot be read. */
  stale: z
    .boolean()
    .check(
      z.describe(
        "True when the Worker could not refresh the status (Cloudflare failed or did not answer, or this " +
          "tenant's share of the Cloudflare API budget is spent): this is the last status known, as of " +
          "checked_at. Served so for up to 10 minutes after checked_at; past that the call fails.",
      ),
    ),
  /** What Cloudflare's last `live_input.errored` notification reported, until the status changes. */
  error: z.nullable(z.object({ code: z.string(), message: z.string() })),
  playback: playbackUrls,
  /**
   * True for a private channel (`playback: signed`): its playback URLs above play only with a token
   * in place of the live input id, from `POST /api/stream/playback-token`; bare, Stream refuses them.
   */
  signed: z.boolean(),
  /** The channel's restream outputs, as the stack declares them (none: empty). */
  outputs: z.array(channelOutputView),
  /**
   * Live viewers, as Stream's delivery host counted them within the last 10 s: only while the
   * channel is live, and absent when its input hides the count (`recording.hideLiveViewerCount`).
   */
  viewers: z.exactOptional(z.int().check(z.gte(0))),
});
/** A channel's status as the API shows it (from the `ChannelStatus` Durable Object). */
export type ChannelStatusView = z.infer<typeof channelStatus>;

/** `GET /api/stream/status` without `channel`: every channel of the tenant, in one call. */
export const tenantStreamStatus = z.object({
  /** Whether any channel is live. */
  connected: z.boolean(),
  channels: z.array(channelStatus),
});
export type TenantStreamStatus = z.infer<typeof tenantStreamStatus>;

/** `GET /api/stream/status`: one channel's status with `channel`, every channel's without. */
export const streamStatusData = z.union([channelStatus, tenantStreamStatus]);

/** `POST /api/stream/connect` */
export const streamConnectRequest = z.object({ channel: channelName });

export const ingestDetails = z.object({
  rtmps: z.object({ url: z.string(), stream_key: z.string() }),
  srt: z.object({ url: z.string(), stream_id: z.string(), passphrase: z.string() }),
  /** WHIP: the URL itself is the credential. */
  whip: z.object({ url: z.string() }),
});
export type IngestDetails = z.infer<typeof ingestDetails>;

export const streamConnectData = z.object({
  /** True when the live input was disabled and this call enabled it again. */
  reenabled: z.boolean(),
  ingest: ingestDetails,
  /** When the ingest details were read from Cloudflare. */
  ingest_checked_at: z.iso.datetime(),
  stale: z
    .boolean()
    .check(
      z.describe(
        "True when Cloudflare could not be read (it failed or did not answer, or this tenant's share of the " +
          "Cloudflare API budget is spent): the ingest details and status are the last ones read, as of " +
          "ingest_checked_at and status.checked_at, and nothing was re-enabled (`note` says why)",
      ),
    ),
  /** Why this answer did less than asked (read stale, or could not re-enable), in a sentence; else null. */
  note: z.nullable(z.string()),
  status: channelStatus,
});
export type StreamConnectData = z.infer<typeof streamConnectData>;

/** `POST /api/stream/playback-token`. The Worker's `PLAYBACK_TOKEN_TTL_MAX` may lower the upper bound. */
export const playbackTokenRequest = z.object({
  channel: channelName,
  /** Seconds the token plays for; the stack's default when left out (Cloudflare caps it at 24 hours). */
  ttl: z.exactOptional(z.int().check(z.gte(60), z.lte(SIGNED_URL_MAX_TTL_SECONDS))),
  /** The viewer: counts against the per-user limit, as on every minting route. */
  user_id: z.exactOptional(id("user_id")),
  /**
   * Cloudflare's access rules, first match decides (`any`, `ip.src`, `ip.geoip.country`; `allow`
   * or `block`; at most 5), written into the token as they are.
   */
  access_rules: z.exactOptional(accessRules),
});
export type PlaybackTokenRequest = z.infer<typeof playbackTokenRequest>;

export const playbackTokenData = z.object({
  channel: channelName,
  live_input_id: z.string(),
  /** True for a private channel: the URLs carry the token in place of the live input id. */
  signed: z.boolean(),
  /** The token, or null for a public channel, whose URLs need none. */
  token: z.nullable(z.string()),
  /** When the token stops playing; null for a public channel. */
  expires_at: z.nullable(z.iso.datetime()),
  playback: playbackUrls,
});
export type PlaybackTokenData = z.infer<typeof playbackTokenData>;
