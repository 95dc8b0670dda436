import * as z from "zod/mini";
import { UPSTREAM_LIMITS } from "../cloudflare/limits.ts";
import { cfTag, id } from "../ids.ts";
import { embedAtPlaceholder } from "./placeholder.ts";

/**
 * Per-tenant limits: credential minting per minute, and the tenant's share of each upstream budget
 * every tenant draws on (contracts/worker/upstream-shares.ts). A share left out is an equal part of
 * what the tenants that set theirs leave.
 */
export const tenantLimits = z.object({
  credentialsPerMinute: z._default(z.int().check(z.gte(1), z.lte(100_000)), 600),
  /** Per user id: an abuse limit each Worker isolate counts on its own, unlike the others (docs/security.md, Per-tenant budgets). */
  credentialsPerUserPerMinute: z._default(z.int().check(z.gte(1), z.lte(10_000)), 30),
  /** Calls on the Worker's Cloudflare API token (live input reads and updates), per 5 minutes. */
  cloudflareApiPer5Minutes: z.exactOptional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.cloudflareApiPer5Minutes)),
  ),
  /** TURN credentials issued with the stack's TURN key, per second. */
  turnCredentialsPerSecond: z.exactOptional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.turnCredentialsPerSecond)),
  ),
  /** Realtime API calls per SFU session through the session proxy, per second (default: Cloudflare's 50). */
  sfuCallsPerSessionPerSecond: z.exactOptional(
    z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.sfuCallsPerSessionPerSecond)),
  ),
});
export type TenantLimits = z.infer<typeof tenantLimits>;

/** What a tenant that sets no limits gets. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  credentialsPerMinute: 600,
  credentialsPerUserPerMinute: 30,
};

/**
 * A restream output as the stack declares it: where to and whether enabled, never its stream key.
 * The URL is shown without its query, where an SRT target may carry a passphrase.
 */
export const declaredOutput = z.object({
  name: id("output name"),
  url: z.string(),
  /** Left out when true, the default. */
  enabled: z.exactOptional(z.literal(false)),
});
export type DeclaredOutput = z.infer<typeof declaredOutput>;

/** An output's URL as the map and the status show it: scheme, host, port and path, no query. */
export const shownOutputUrl = (url: string) => url.replace(/[?#].*$/, "");

/** One tenant as the Worker knows it: only what differs from the defaults is written down. */
export const tenantEntry = z.object({
  /** Channel name → the uid of its live input. */
  channels: z.record(id("channel name"), cfTag),
  /** Channel name → its restream outputs; left out for a channel without any. */
  outputs: z.exactOptional(z.record(id("channel name"), z.array(declaredOutput))),
  /**
   * The private channels (`playback: signed`), which play only through a playback token; left out
   * when every channel is public.
   */
  signed: z.exactOptional(z.array(id("channel name"))),
  /** Left out when the tenant allows no browser origin. */
  allowedOrigins: z.exactOptional(z.array(z.string())),
  /** Left out when every limit is the default. */
  limits: z.exactOptional(tenantLimits),
});
export type TenantEntry = z.infer<typeof tenantEntry>;

/**
 * The tenant map the Worker serves: every tenant with its channels, origins and limits. It is
 * compiled into the uploaded script (see `embedTenantMap`), so it changes with the Worker's
 * version and a rollback restores the matching map. The Stream delivery host is the account's, the
 * same for every live input (docs/reference/cloudflare-api.md §1.5), so it is written once.
 */
export const tenantMap = z.object({
  /** E.g. `https://customer-<code>.cloudflarestream.com`: where each live input is delivered, at `/<uid>/…`. */
  playbackBase: z.url(),
  /**
   * What all the Worker's calls on its Cloudflare API token may spend together, per 5 minutes
   * (`realtime-stack:worker.cloudflareApiPer5Minutes`): the tenants' shares are cut from it, so it
   * travels with them.
   */
  cloudflareApiPer5Minutes: z.int().check(z.gte(1), z.lte(UPSTREAM_LIMITS.cloudflareApiPer5Minutes)),
  tenants: z.record(id("tenant id"), tenantEntry),
});
export type TenantMap = z.infer<typeof tenantMap>;

/**
 * The string the Worker's script carries in place of its tenant map until the map is embedded
 * (worker/src/tenant-map-source.ts holds it once; a test keeps the two the same).
 */
export const TENANT_MAP_PLACEHOLDER = "__REALTIME_STACK_TENANT_MAP__";

/** The Worker's module that holds the placeholder, under worker/src/. */
export const TENANT_MAP_MODULE = "tenant-map-source.ts";

/**
 * The Worker's script with its tenant map in place: the map, validated against the Worker's own
 * schema, goes in as a JSON string literal, which the Worker parses once per isolate (V8 parses a
 * JSON string faster than the same object written as a literal). The Pulumi program does this
 * before upload, and the Worker's own tests do it to the module they load.
 */
export function embedTenantMap(script: string, map: TenantMap): string {
  const literal = JSON.stringify(JSON.stringify(tenantMap.parse(map)));
  return embedAtPlaceholder(script, TENANT_MAP_PLACEHOLDER, literal, "the Worker's script");
}

/** A tenant's channels as live input uid and playback base, as the program declares them. */
export interface DeclaredTenant {
  id: string;
  allowedOrigins: string[];
  limits: TenantLimits;
  /** The names of its private channels. */
  signed?: string[];
  channels: {
    name: string;
    liveInputId: string;
    playbackBase: string;
    outputs?: { name: string; url: string; enabled: boolean }[];
  }[];
}

/** A tenant's declared outputs in the map's compact form, or nothing when no channel has any. */
function compactOutputs(channels: DeclaredTenant["channels"]): Pick<TenantEntry, "outputs"> {
  const withOutputs = channels.filter((c) => (c.outputs ?? []).length > 0);
  if (withOutputs.length === 0) return {};
  return {
    outputs: Object.fromEntries(
      withOutputs.map((c) => [
        c.name,
        c.outputs!.map(({ name, url, enabled }) => ({
          name,
          url: shownOutputUrl(url),
          ...(enabled ? {} : { enabled: false as const }),
        })),
      ]),
    ),
  };
}

const sameLimits = (a: TenantLimits, b: TenantLimits) =>
  (Object.keys({ ...a, ...b }) as (keyof TenantLimits)[]).every((key) => a[key] === b[key]);

/**
 * The compact map of declared tenants: defaults left out, the delivery host once. Every channel
 * (and `otherPlaybackBases`, e.g. the probe input's) must be delivered from the same host, as
 * every live input of one account is.
 */
export function compactTenantMap(
  tenants: DeclaredTenant[],
  cloudflareApiPer5Minutes: number,
  otherPlaybackBases: string[] = [],
): TenantMap {
  const bases = new Set([
    ...tenants.flatMap((t) => t.channels.map((c) => c.playbackBase)),
    ...otherPlaybackBases,
  ]);
  const [playbackBase, ...others] = bases;
  if (playbackBase === undefined || others.length > 0) {
    throw new Error(
      `the live inputs must share one Stream delivery host (one account's), found ${bases.size === 0 ? "none" : [...bases].join(", ")}` +
        " (a refresh reads each input's current URLs)",
    );
  }
  return {
    playbackBase,
    cloudflareApiPer5Minutes,
    tenants: Object.fromEntries(
      tenants.map((t) => [
        t.id,
        {
          channels: Object.fromEntries(t.channels.map((c) => [c.name, c.liveInputId])),
          ...compactOutputs(t.channels),
          ...(t.signed && t.signed.length > 0 ? { signed: t.signed } : {}),
          ...(t.allowedOrigins.length > 0 ? { allowedOrigins: t.allowedOrigins } : {}),
          ...(sameLimits(t.limits, DEFAULT_TENANT_LIMITS) ? {} : { limits: t.limits }),
        },
      ]),
    ),
  };
}
