import * as z from "zod/mini";
import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import { id } from "../ids.ts";

/**
 * The Worker's bindings: what the Pulumi program (infra/) computes and uploads, and what the
 * Worker validates on every request. One list, so that the two can never drift apart.
 */
export const PLAIN_BINDINGS = [
  "ACCOUNT_ID",
  "STACK",
  "VERSION",
  /** JSON: the tenant map, see `tenantMap`. */
  "TENANTS",
  /** Id of the active TURN key slot. */
  "TURN_KEY_ID",
  /** Id (uid) of the active SFU app slot. */
  "SFU_APP_ID",
  /** Generation of tenant API keys; the previous generation is still accepted. */
  "TENANT_KEY_GENERATION",
  /** TURN credential TTL default and maximum, in seconds. */
  "CREDENTIAL_TTL_DEFAULT",
  "CREDENTIAL_TTL_MAX",
  /** Cloudflare REST v4 base; the emulator's `/client/v4` locally. */
  "CF_API_BASE",
  /** Realtime API base; the emulator's `/v1` locally. */
  "REALTIME_API_BASE",
  /** The stack's probe live input (not a tenant channel), or empty when the stack has none. */
  "PROBE_LIVE_INPUT_ID",
] as const;

export const SECRET_BINDINGS = [
  "TURN_KEY_SECRET",
  "SFU_APP_SECRET",
  /** Least-privilege account token for Stream reads and live input updates. */
  "STREAM_API_TOKEN",
  /** Signs session tokens and derives tenant API keys (domain-separated). */
  "SIGNING_SECRET",
  /** Verbatim secret Cloudflare sends in `cf-webhook-auth`. */
  "WEBHOOK_SECRET",
] as const;

export type PlainBinding = (typeof PLAIN_BINDINGS)[number];
export type SecretBinding = (typeof SECRET_BINDINGS)[number];

export const DEFAULT_CF_API_BASE = "https://api.cloudflare.com/client/v4";
export const DEFAULT_REALTIME_API_BASE = "https://rtc.live.cloudflare.com/v1";

/**
 * Per-tenant limits: credential minting per minute, and the tenant's share of each upstream budget
 * every tenant draws on (contracts/worker/upstream-shares.ts). A share left out is an equal part of
 * what the tenants that set theirs leave.
 */
export const tenantLimits = z.object({
  credentialsPerMinute: z._default(z.int().check(z.gte(1), z.lte(100_000)), 600),
  /** Per user id: an abuse limit each Worker isolate counts on its own, unlike the others (README, Per-tenant budgets). */
  credentialsPerUserPerMinute: z._default(z.int().check(z.gte(1), z.lte(10_000)), 30),
  /** Calls on the Worker's Cloudflare API token (live input reads and updates), per 5 minutes. */
  cloudflareApiPer5Minutes: z.optional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.cloudflareApiPer5Minutes)),
  ),
  /** TURN credentials issued with the stack's TURN key, per second. */
  turnCredentialsPerSecond: z.optional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.turnCredentialsPerSecond)),
  ),
  /** Realtime API calls per SFU session through the session proxy, per second (default: Cloudflare's 50). */
  sfuCallsPerSessionPerSecond: z.optional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.sfuCallsPerSessionPerSecond)),
  ),
});
export type TenantLimits = z.infer<typeof tenantLimits>;

export const channelBinding = z.object({
  liveInputId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  /** Stream delivery base for this input's account, e.g. `https://customer-<code>.cloudflarestream.com`. */
  playbackBase: z.url(),
});

export const tenantBinding = z.object({
  allowedOrigins: z._default(z.array(z.string()), []),
  limits: z._default(tenantLimits, { credentialsPerMinute: 600, credentialsPerUserPerMinute: 30 }),
  channels: z.record(id("channel name"), channelBinding),
});

/** `TENANTS`: tenant id → its origins, limits and channels. */
export const tenantMap = z.record(id("tenant id"), tenantBinding);
export type TenantMap = z.infer<typeof tenantMap>;
export type TenantBinding = z.infer<typeof tenantBinding>;
