/**
 * The Worker's bindings: what the Pulumi program (infra/) computes and uploads, and what the
 * Worker validates on every request. One list, so that the two can never drift apart.
 */
export const PLAIN_BINDINGS = [
  "ACCOUNT_ID",
  "STACK",
  "VERSION",
  /** Id of the active TURN key slot. */
  "TURN_KEY_ID",
  /** Id (uid) of the active SFU app slot. */
  "SFU_APP_ID",
  /** Generation of tenant API keys; the previous generation is still accepted. */
  "TENANT_KEY_GENERATION",
  /** Id of the active playback key slot's Stream signing key: the `kid` of every playback token. */
  "PLAYBACK_KEY_ID",
  /** Playback token TTL default and maximum, in seconds (at most Cloudflare's 24 hours). */
  "PLAYBACK_TOKEN_TTL_DEFAULT",
  "PLAYBACK_TOKEN_TTL_MAX",
  /** TURN credential TTL default and maximum, in seconds. */
  "CREDENTIAL_TTL_DEFAULT",
  "CREDENTIAL_TTL_MAX",
  /** Cloudflare REST v4 base; the emulator's `/client/v4` locally. */
  "CF_API_BASE",
  /** Realtime API base; the emulator's `/v1` locally. */
  "REALTIME_API_BASE",
  /** The stack's probe live input (not a tenant channel), or empty when the stack has none. */
  "PROBE_LIVE_INPUT_ID",
  /** The account's Workers plan, `paid` or `free`: how many subrequests one invocation may make. */
  "WORKERS_PLAN",
] as const;

export const SECRET_BINDINGS = [
  "TURN_KEY_SECRET",
  "SFU_APP_SECRET",
  /** Least-privilege account token for Stream reads and live input updates. */
  "STREAM_API_TOKEN",
  /** The active playback key's `jwk` (base64 of a private RSA JWK, about 2.3 KB): signs playback tokens. */
  "PLAYBACK_KEY_JWK",
  /** The active signing slot: signs session and dashboard tokens, derives tenant API keys (domain-separated). */
  "SIGNING_SECRET",
  /**
   * The other signing slot, accepted when verifying only: the previous secret after a rotation, so
   * that keys and tokens it made stay valid until the next one. Empty while that slot holds none.
   */
  "SIGNING_SECRET_FALLBACK",
  /** Verbatim secret Cloudflare sends in `cf-webhook-auth`: the active webhook slot. */
  "WEBHOOK_SECRET",
  /** The other webhook slot, also accepted while a change of destination secret propagates. Empty when none. */
  "WEBHOOK_SECRET_FALLBACK",
] as const;

/**
 * Configuration the Worker carries in its script rather than in a binding: the tenant map
 * (contracts/worker/tenant-map.ts), which outgrows Cloudflare's 5 KB per binding at ten tenants.
 */
export const SCRIPT_CONFIG = ["TENANTS"] as const;

export type PlainBinding = (typeof PLAIN_BINDINGS)[number];
export type SecretBinding = (typeof SECRET_BINDINGS)[number];

export const DEFAULT_CF_API_BASE = "https://api.cloudflare.com/client/v4";
export const DEFAULT_REALTIME_API_BASE = "https://rtc.live.cloudflare.com/v1";
