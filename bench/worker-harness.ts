import { randomBytes } from "node:crypto";
import { Miniflare } from "miniflare";
import { deriveTenantKey } from "#contracts/tenant-key.ts";
import {
  compactTenantMap,
  type DeclaredTenant,
  embedTenantMap,
  type TenantMap,
} from "#contracts/worker/tenant-map.ts";
import { DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES } from "#contracts/worker/upstream-shares.ts";
import { type RunningEmulator, startEmulator } from "#emulator/server.ts";
import { permissionGroups } from "#emulator/services/tokens/permissions.ts";
import { playbackBase } from "#infra/playback.ts";
import type { WorkerBundle } from "#infra/worker-bundle.ts";
import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  DURABLE_OBJECTS,
  WORKER_FIRST_PATHS,
} from "#infra/worker-settings.ts";
import { miniflareOptions, type WorkerSpec } from "#local-engine/worker-runner.ts";

/** Shared by the Worker benchmarks: the bundled Worker, an emulator seeded for it, workerd on loopback. */

export interface Stack {
  emulator: RunningEmulator;
  bindings: Record<string, string>;
  /** The tenant map to compile into the Worker (`startWorker` does, as the program does). */
  tenantMap: TenantMap;
  /** `X-Tenant-ID` + `Authorization` of tenant `bench` (the first tenant). */
  headers: Record<string, string>;
  /** live input uid per channel of tenant `bench` (the first tenant). */
  liveInputs: Record<string, string>;
  /** Each tenant's headers and live inputs. */
  tenants: Record<string, { headers: Record<string, string>; liveInputs: Record<string, string> }>;
  turnKey: { id: string; secret: string };
  sfuApp: { id: string; secret: string };
  streamToken: string;
}

export interface SeedOptions {
  /** Tenants that each get every channel (default: one, `bench`); the first is `headers` and `liveInputs`. */
  tenants?: string[];
  /** Channels that are private (`playback: signed`): their inputs require signed URLs. */
  signed?: string[];
  /** Keep Cloudflare's own per-token limit (1,200 per 5 minutes) instead of moving it out of the way. */
  cloudflareRateLimit?: boolean;
}

/** An emulator (by default with the rate limit out of the way), and tenants whose channels have live inputs. */
export async function seedStack(channels: string[], options: SeedOptions = {}): Promise<Stack> {
  const tenantIds = options.tenants ?? ["bench"];
  // Latency benches make thousands of upstream calls to time the Worker's own cost, which the
  // per-token 1,200 per 5 minutes would refuse; the Worker's metering of that budget is measured by
  // the benches that pass `cloudflareRateLimit` (and by bench:scale on the whole stack).
  const emulator = await startEmulator(
    options.cloudflareRateLimit
      ? {}
      : { config: { rateLimit: { requests: 1_000_000_000, windowSeconds: 300 } } },
  );
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${emulator.apiBase}/accounts/${emulator.accountId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`bench setup: POST ${path} answered ${res.status}`);
    return ((await res.json()) as { result: T }).result;
  };
  const token = await post<{ value: string }>("/tokens", {
    name: "bench stream",
    policies: [
      {
        effect: "allow",
        resources: { [`com.cloudflare.api.account.${emulator.accountId}`]: "*" },
        permission_groups: permissionGroups
          .filter((g) => g.name.startsWith("Stream "))
          .map((g) => ({ id: g.id })),
      },
    ],
  });
  const turn = await post<{ uid: string; key: string }>("/calls/turn_keys", { name: "bench" });
  const sfu = await post<{ uid: string; secret: string }>("/calls/apps", { name: "bench" });
  const declared: DeclaredTenant[] = [];
  const liveInputs: Record<string, Record<string, string>> = {};
  for (const tenant of tenantIds) {
    liveInputs[tenant] = {};
    const declaredChannels: DeclaredTenant["channels"] = [];
    for (const channel of channels) {
      const input = await post<{ uid: string; webRTCPlayback: { url: string } }>("/stream/live_inputs", {
        meta: { tenant, channel },
        recording: { mode: "automatic", requireSignedURLs: options.signed?.includes(channel) ?? false },
      });
      liveInputs[tenant][channel] = input.uid;
      declaredChannels.push({
        name: channel,
        liveInputId: input.uid,
        playbackBase: playbackBase(input.webRTCPlayback.url, input.uid),
      });
    }
    declared.push({
      id: tenant,
      allowedOrigins: [],
      limits: { credentialsPerMinute: 100_000, credentialsPerUserPerMinute: 10_000 },
      ...(options.signed ? { signed: options.signed } : {}),
      channels: declaredChannels,
    });
  }
  const playbackKey = await post<{ id: string; jwk: string }>("/stream/keys", {});
  const signingSecret = randomBytes(32).toString("base64url");
  const seeded: Stack["tenants"] = {};
  for (const tenant of tenantIds) {
    const key = await deriveTenantKey(signingSecret, tenant, 1);
    seeded[tenant] = {
      headers: { "x-tenant-id": tenant, authorization: `Bearer ${key}` },
      liveInputs: liveInputs[tenant]!,
    };
  }
  return {
    emulator,
    bindings: {
      ACCOUNT_ID: emulator.accountId,
      STACK: "bench",
      VERSION: "bench",
      TURN_KEY_ID: turn.uid,
      SFU_APP_ID: sfu.uid,
      TENANT_KEY_GENERATION: "1",
      PLAYBACK_KEY_ID: playbackKey.id,
      PLAYBACK_TOKEN_TTL_DEFAULT: "3600",
      PLAYBACK_TOKEN_TTL_MAX: "86400",
      CREDENTIAL_TTL_DEFAULT: "86400",
      CREDENTIAL_TTL_MAX: "172800",
      CF_API_BASE: emulator.apiBase,
      REALTIME_API_BASE: emulator.realtimeBase,
      WORKERS_PLAN: "paid",
      TURN_KEY_SECRET: turn.key,
      SFU_APP_SECRET: sfu.secret,
      STREAM_API_TOKEN: token.value,
      PLAYBACK_KEY_JWK: playbackKey.jwk,
      SIGNING_SECRET: signingSecret,
      WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
    },
    tenantMap: compactTenantMap(declared, DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES),
    headers: seeded[tenantIds[0]!]!.headers,
    liveInputs: seeded[tenantIds[0]!]!.liveInputs,
    tenants: seeded,
    turnKey: { id: turn.uid, secret: turn.key },
    sfuApp: { id: sfu.uid, secret: sfu.secret },
    streamToken: token.value,
  };
}

/** A Worker in workerd, reached two ways. */
export interface BenchWorker {
  /** Through Miniflare's entry Worker, as `wrangler dev` serves it. */
  url: string;
  /**
   * A direct socket (Miniflare's `unsafeDirectSockets`) on the Worker's assets proxy, with no entry
   * Worker in front; the assets router still applies `run_worker_first`, as Cloudflare's does. The
   * entry Worker stands in for Cloudflare's edge: it adds `request.cf` and `CF-Connecting-IP`, and
   * gzips answers of compressible types (miniflare/dist/src/workers/core/entry.worker.js, the
   * types `isCompressedByCloudflareFL` names), about 0.8 ms a request here. A call made straight to the
   * emulator gets none of that either, so with neither side paying for the edge's work, what is
   * left is the Worker's own cost.
   */
  directUrl: string;
  close(): Promise<void>;
}

/** Starts a bench Worker, reachable through Miniflare's entry Worker and on a direct socket. */
async function startBenchWorker(spec: WorkerSpec): Promise<BenchWorker> {
  // The Worker's access log (a line per request) would drown the figures.
  const mf = new Miniflare({
    ...miniflareOptions(spec, true),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const directUrl = (await mf.unsafeGetDirectURL()).toString().replace(/\/$/, "");
  return { url, directUrl, close: () => mf.dispose() };
}

/**
 * The bundle in workerd with the program's compatibility settings and Durable Objects, the stack's
 * bindings and its tenant map compiled in, directly on a port.
 */
export async function startWorker(
  bundle: WorkerBundle,
  stack: Pick<Stack, "bindings" | "tenantMap">,
): Promise<BenchWorker> {
  const { bindings } = stack;
  const spec: WorkerSpec = {
    content: embedTenantMap(bundle.content, stack.tenantMap),
    mainModule: bundle.mainModule,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    bindings: [
      ...Object.entries(bindings).map(([name, text]) => ({ type: "plain_text", name, text })),
      ...DURABLE_OBJECTS.map((d) => ({
        type: "durable_object_namespace",
        name: d.binding,
        className: d.className,
      })),
    ],
    assetsDirectory: bundle.assetsDirectory,
    runWorkerFirst: WORKER_FIRST_PATHS,
  };
  return startBenchWorker(spec);
}

/** The header that tells the forwarding Worker where to send a request. */
export const FORWARD_TO = "x-forward-to";

/**
 * A Worker whose only work is to send each request on to the URL in `FORWARD_TO`, headers and body
 * as they came, and to answer with what comes back, run as `startWorker` runs the bundle: what any
 * Worker making that one upstream call pays on this machine, before any code of its own.
 */
export async function startForwardingWorker(): Promise<BenchWorker> {
  const content = `export default {
  async fetch(request) {
    const headers = new Headers(request.headers);
    const target = headers.get("${FORWARD_TO}");
    headers.delete("${FORWARD_TO}");
    headers.delete("host");
    const upstream = await fetch(target, { method: request.method, headers, body: request.body });
    return new Response(upstream.body, upstream);
  },
};`;
  const spec: WorkerSpec = {
    content,
    mainModule: "index.js",
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    bindings: [],
  };
  return startBenchWorker(spec);
}

/** Latency quantiles in milliseconds. */
export function quantiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
