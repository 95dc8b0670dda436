import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { compactTenantMap, type DeclaredTenant, type TenantLimits } from "#contracts/worker/tenant-map.ts";
import { DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES } from "#contracts/worker/upstream-shares.ts";
import { startEmulator } from "#emulator/server.ts";
import { permissionGroups } from "#emulator/services/tokens/permissions.ts";
import { playbackBase } from "#infra/playback.ts";
import type { Credential, Fixture } from "./support/fixture.ts";
import "./support/fixture.ts";

/**
 * The tenants the tests use: two ordinary ones, one with tiny limits for the rate-limit tests, and
 * a noisy neighbour with a small share of the Cloudflare API budget beside a quiet one. Test files
 * run in parallel against one emulator, so a test that counts upstream reads or injects faults has
 * a channel of its own.
 */
const TENANTS = {
  acme: {
    channels: [
      "main",
      "backup",
      "connect",
      "faulty",
      "limited",
      "garbled",
      "hung",
      "slow",
      "matrix",
      "canary",
      "cron",
      "webhook",
      "clock",
      "events",
      "feed",
      "outage",
      "stuck",
      "private",
      "watched",
      "watched-private",
      "hidden-count",
    ],
    signed: ["private", "watched-private"],
    allowedOrigins: ["https://app.acme.test"],
    limits: { credentialsPerMinute: 100_000, credentialsPerUserPerMinute: 10_000 },
  },
  globex: {
    channels: ["main", "holder", "switch"],
    allowedOrigins: ["https://globex.test"],
    limits: { credentialsPerMinute: 100_000, credentialsPerUserPerMinute: 10_000 },
  },
  tiny: {
    channels: [],
    allowedOrigins: [],
    limits: { credentialsPerMinute: 4, credentialsPerUserPerMinute: 2 },
  },
  noisy: {
    channels: ["a", "b", "c", "d", "e", "f", "g", "h"],
    allowedOrigins: [],
    limits: {
      credentialsPerMinute: 100_000,
      credentialsPerUserPerMinute: 10_000,
      cloudflareApiPer5Minutes: 5,
      turnCredentialsPerSecond: 3,
    },
  },
  quiet: {
    channels: ["live"],
    allowedOrigins: [],
    limits: { credentialsPerMinute: 100_000, credentialsPerUserPerMinute: 10_000 },
  },
} satisfies Record<
  string,
  { channels: string[]; signed?: string[]; allowedOrigins: string[]; limits: TenantLimits }
>;

/** Restream outputs some channels declare (no stream key: the map never has one), by `<tenant>/<channel>`. */
export const DECLARED_OUTPUTS: Record<string, { name: string; url: string; enabled: boolean }[]> = {
  "acme/main": [
    { name: "youtube", url: "rtmps://a.rtmps.youtube.com/live2", enabled: true },
    { name: "backup", url: "srt://srt.example.com:9000?passphrase=not-for-viewers", enabled: false },
  ],
  "acme/events": [{ name: "twitch", url: "rtmp://live.twitch.tv/app", enabled: true }],
};

/** Starts the emulator in Node, seeds it through Cloudflare's own API, and provides the fixture. */
export default async function setup(project: TestProject) {
  // Every test file shares one emulator and one Stream token: Cloudflare's per-token budget is not under test here.
  const emu = await startEmulator({ config: { rateLimit: { requests: 1_000_000, windowSeconds: 300 } } });
  const api = async <T>(path: string, body: unknown, token = emu.adminToken): Promise<T> => {
    const res = await fetch(`${emu.apiBase}/accounts/${emu.accountId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { success: boolean; result: T };
    if (!json.success) throw new Error(`seeding ${path} failed: HTTP ${res.status}`);
    return json.result;
  };
  const groupIds = permissionGroups.filter((g) => g.name.startsWith("Stream ")).map((g) => ({ id: g.id }));
  const newStreamToken = async (name: string): Promise<Credential> => {
    const token = await api<{ id: string; value: string }>("/tokens", {
      name,
      policies: [
        {
          effect: "allow",
          resources: { [`com.cloudflare.api.account.${emu.accountId}`]: "*" },
          permission_groups: groupIds,
        },
      ],
    });
    return { id: token.id, secret: token.value };
  };
  const streamToken = await newStreamToken("worker tests: stream read/write");
  const turnKey = async (): Promise<Credential> => {
    const key = await api<{ uid: string; key: string }>("/calls/turn_keys", { name: "worker tests" });
    return { id: key.uid, secret: key.key };
  };
  const sfuApp = async (): Promise<Credential> => {
    const app = await api<{ uid: string; secret: string }>("/calls/apps", { name: "worker tests" });
    return { id: app.uid, secret: app.secret };
  };
  const [turn, sfu] = [await turnKey(), await sfuApp()];
  const isolated: Fixture["isolated"] = {
    faults: { turnKey: await turnKey(), sfuApp: await sfuApp() },
    canary: { turnKey: await turnKey(), sfuApp: await sfuApp() },
  };

  type Created = { uid: string; webRTCPlayback: { url: string } };
  const declared: DeclaredTenant[] = [];
  const liveInputs: Fixture["liveInputs"] = {};
  for (const [tenantId, tenant] of Object.entries(TENANTS)) {
    const channels: DeclaredTenant["channels"] = [];
    liveInputs[tenantId] = {};
    for (const channel of tenant.channels) {
      const signed: readonly string[] = "signed" in tenant ? tenant.signed : [];
      const input = await api<Created>("/stream/live_inputs", {
        meta: { tenant: tenantId, channel },
        recording: { requireSignedURLs: signed.includes(channel) },
      });
      // Where the emulator delivers the input, read from its WHEP URL as the program reads it.
      const base = playbackBase(input.webRTCPlayback.url, input.uid);
      const outputs = DECLARED_OUTPUTS[`${tenantId}/${channel}`];
      channels.push({
        name: channel,
        liveInputId: input.uid,
        playbackBase: base,
        ...(outputs ? { outputs } : {}),
      });
      liveInputs[tenantId][channel] = input.uid;
    }
    declared.push({
      id: tenantId,
      allowedOrigins: tenant.allowedOrigins,
      limits: tenant.limits,
      ...("signed" in tenant ? { signed: tenant.signed } : {}),
      channels,
    });
  }

  const probe = await api<Created>("/stream/live_inputs", { meta: { probe: true } });
  const tenants = compactTenantMap(declared, DEFAULT_WORKER_CLOUDFLARE_API_PER_5_MINUTES, [
    playbackBase(probe.webRTCPlayback.url, probe.uid),
  ]);

  const playbackKey = await api<{ id: string; jwk: string }>("/stream/keys", {});
  const fixture: Fixture = {
    emulatorUrl: emu.url,
    adminToken: emu.adminToken,
    accountId: emu.accountId,
    bindings: {
      ACCOUNT_ID: emu.accountId,
      STACK: "test",
      VERSION: "1.2.3-test",
      TURN_KEY_ID: turn.id,
      SFU_APP_ID: sfu.id,
      TENANT_KEY_GENERATION: "2",
      PLAYBACK_KEY_ID: playbackKey.id,
      PLAYBACK_TOKEN_TTL_DEFAULT: "3600",
      PLAYBACK_TOKEN_TTL_MAX: "86400",
      CREDENTIAL_TTL_DEFAULT: "86400",
      CREDENTIAL_TTL_MAX: "172800",
      CF_API_BASE: emu.apiBase,
      REALTIME_API_BASE: emu.realtimeBase,
      PROBE_LIVE_INPUT_ID: probe.uid,
      WORKERS_PLAN: "paid",
      TURN_KEY_SECRET: turn.secret,
      SFU_APP_SECRET: sfu.secret,
      STREAM_API_TOKEN: streamToken.secret,
      PLAYBACK_KEY_JWK: playbackKey.jwk,
      SIGNING_SECRET: randomBytes(32).toString("base64url"),
      WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
    },
    tenants,
    liveInputs,
    probeLiveInput: probe.uid,
    isolated,
    nextStreamToken: await newStreamToken("worker tests: the next slot's stream token"),
  };
  project.provide("fixture", fixture);
  return () => emu.close();
}
