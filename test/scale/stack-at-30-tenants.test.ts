import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerClient, type ServerClient } from "#client/server.ts";
import { UPSTREAM_LIMITS } from "#contracts/cloudflare/limits.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { goLive } from "#local-engine/go-live.ts";
import { LocalStack } from "#local-engine/local-stack.ts";
import { toolPath } from "#local-engine/system-tools.ts";
import { scaledTenantsConfig } from "#test/infra/stack-config.ts";

/**
 * A stack of 30 tenants of 3 channels, applied by the local engine to an emulator that keeps
 * Cloudflare's own API rate limit (1,200 calls per 5 minutes per token, then 5 minutes refused):
 * nothing in this file raises it, so every call the engine, the Worker and this test make is held
 * to what a real account allows.
 */
const TENANTS = 30;
const CHANNELS = ["channel-0", "channel-1", "channel-2"];
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FFMPEG = toolPath("ffmpeg")!;

type Outputs = {
  tenants: Record<string, { apiKey: string; channels: Record<string, { liveInputId: string }> }>;
};

let stack: LocalStack;
let stateDir: string;
let admin: EmulatorAdmin;
const tenantIds = Array.from({ length: TENANTS }, (_, t) => `tenant-${t}`);
const api = (tenant: string) =>
  createServerClient({
    baseUrl: stack.worker.url,
    tenant,
    key: (stack.outputs as Outputs).tenants[tenant]!.apiKey,
  });

/** One channel's status: the route answers every channel's when none is named. */
async function channelStatus(client: ServerClient, channel: string) {
  const status = await client.streamStatus({ channel });
  if (!("live_input_id" in status)) throw new Error(`status of ${channel} answered every channel's`);
  return status;
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "stack-at-30-"));
  // The dev stack's file with its tenant list replaced.
  const configPatch = scaledTenantsConfig(TENANTS, CHANNELS.length);
  stack = await LocalStack.start({ root: ROOT, stateDir, configPatch, quietWorker: true, media: true });
  // The apply after the one that created the Worker drops its Durable Object migrations (the
  // deployed script is at their tag by then): the stack is settled only after it.
  await stack.apply();
  admin = new EmulatorAdmin(stack.emulator.url, stack.emulator.adminToken);
}, 300_000);
afterAll(async () => {
  await stack?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("a 30-tenant stack under Cloudflare's API rate limit", () => {
  it("is applied whole, and the Worker answers every tenant's status for every channel", {
    timeout: 120_000,
  }, async () => {
    const outputs = stack.outputs as Outputs;
    expect(Object.keys(outputs.tenants)).toHaveLength(TENANTS);
    expect((await createServerClient({ baseUrl: stack.worker.url }).healthz()).ok).toBe(true);
    for (const tenant of tenantIds) {
      const statuses = await Promise.all(CHANNELS.map((channel) => channelStatus(api(tenant), channel)));
      expect(statuses.map((s) => s.live_input_id)).toEqual(
        CHANNELS.map((c) => outputs.tenants[tenant]!.channels[c]!.liveInputId),
      );
      expect(statuses.every((s) => s.connected === false)).toBe(true);
    }
  });

  it("turns the last tenant's channel live with a real ffmpeg broadcast", {
    timeout: 60_000,
  }, async () => {
    const last = tenantIds.at(-1)!;
    const liveInputId = (stack.outputs as Outputs).tenants[last]!.channels["channel-2"]!.liveInputId;
    const args = goLive(stack.emulator, liveInputId)!.ffmpegArgs;
    const ffmpeg = spawn(FFMPEG, ["-hide_banner", "-loglevel", "error", ...args], { stdio: "ignore" });
    const exited = new Promise((resolve) => ffmpeg.once("close", resolve));
    try {
      await expect
        .poll(async () => (await channelStatus(api(last), "channel-2")).connected, { timeout: 30_000 })
        .toBe(true);
      // Only that channel: its neighbours in the tenant, and the first tenant's, stay idle.
      expect((await channelStatus(api(last), "channel-0")).connected).toBe(false);
      expect((await channelStatus(api(tenantIds[0]!), "channel-2")).connected).toBe(false);
    } finally {
      ffmpeg.kill("SIGINT");
      await exited;
    }
  });

  it("reads every resource back in a refresh, and then has nothing to change", {
    timeout: 120_000,
  }, async () => {
    const refreshed = await stack.refresh();
    // Every tenant's three live inputs, read through the stack's own provider, as they were made.
    const inputs = refreshed.filter((s) => s.name.startsWith("realtime-live-tenant-"));
    expect(inputs).toHaveLength(TENANTS * CHANNELS.length);
    expect(refreshed.filter((s) => s.op !== "same")).toEqual([]);
    const { steps } = await stack.apply();
    expect(steps.filter((s) => s.op !== "same")).toEqual([]);
  });

  it("never went past the rate limit: no call refused, and no 5 minutes holding more than 1,200", async () => {
    const { policy, tokens } = await admin.rateLimit();
    expect(policy).toMatchObject({ requests: UPSTREAM_LIMITS.cloudflareApiPer5Minutes, windowSeconds: 300 });
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(token.refusals, token.tokenId).toBe(0);
      expect(token.peakWindowRequests, token.tokenId).toBeLessThanOrEqual(
        UPSTREAM_LIMITS.cloudflareApiPer5Minutes,
      );
    }
  });
});
