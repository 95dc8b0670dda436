import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveInput } from "#contracts/cloudflare/stream.ts";
import { EmulatorAdmin } from "#emulator/admin-client.ts";
import { silentProgress } from "#scripts/lib/progress.ts";
import type { ProbeResult } from "#scripts/probes/probe.ts";
import { runSmoke } from "#scripts/smoke/run.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";

/** The ingest probe against the local stack with its real media plane (node-media-server, ffmpeg). */
let stack: TestStack;
let probeInput: string;

beforeAll(async () => {
  stack = await startTestStack({ media: true });
  probeInput = (await stack.driver.outputs()).probe!.liveInputId;
});
afterAll(() => stack?.close());

const ingest = async (timeoutMs = 30_000) => {
  const report = await runSmoke(
    await targetOfStack(stack.driver, {}),
    {
      timeoutMs: 10_000,
      requireLive: false,
      probes: { ingest: true, media: false, turn: false },
      probeTimeoutMs: timeoutMs,
    },
    silentProgress,
  );
  return {
    report,
    probes: Object.fromEntries(report.probes!.map((p) => [p.name, p])) as Record<string, ProbeResult>,
  };
};
/** Cloudflare's success envelope around `result`, as its API answers a read. */
const cfSuccessEnvelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
const streamStore = () => stack.local.emulator.stores.stream;
const cloudflare = async () => stack.driver.cloudflareApi();
const tenantInputs = async () =>
  Object.values((await stack.driver.outputs()).tenants).flatMap((t) =>
    Object.values(t.channels).map((c) => c.liveInputId),
  );

describe("smoke --probe-ingest on the local media plane", () => {
  it("goes live over RTMPS and SRT, plays the HLS, disconnects, and leaves no recording and no tenant channel touched", async () => {
    const { report, probes } = await ingest();
    for (const name of ["probe-ingest rtmps", "probe-ingest srt"]) {
      const probe = probes[name]!;
      expect(probe, probe.error).toMatchObject({ status: "passed" });
      expect(probe.latencies.map((l) => l.step)).toEqual([
        "connected",
        "first segment",
        "playable",
        "ffmpeg stopped",
        "disconnected",
      ]);
      expect(probe.latencies.filter((l) => l.cloudflare).map((l) => l.step)).toEqual([
        "connected",
        "first segment",
        "disconnected",
      ]);
      expect(probe.cloudflareWaitMs).toBeGreaterThan(0);
      expect(probe.cloudflareWaitMs).toBeLessThanOrEqual(probe.durationMs);
      expect(probe.detail).toMatch(
        /HLS plays \(h264 \+ aac, \d+ frames decoded\), disconnected; 1 recording\(s\) deleted$/,
      );
    }
    expect(report.passed).toBe(true);
    expect(streamStore().listVideos({ liveInput: probeInput })).toEqual([]);
    expect(streamStore().get(probeInput)?.state).toBe("client_disconnect");
    for (const uid of await tenantInputs()) {
      expect(streamStore().get(uid)?.state).toBeNull();
      expect(streamStore().listVideos({ liveInput: uid })).toEqual([]);
    }
    const outputs = JSON.stringify(report);
    expect(outputs).not.toContain((await stack.driver.outputs()).probe!.ingest.streamKey);
    expect(outputs).not.toContain((await stack.driver.outputs()).probe!.apiKey);
  });

  it("goes on passing after the probe input's keys are rotated out of band: it reads them at the source", async () => {
    const { client, accountId } = await cloudflare();
    await client.call(
      "POST",
      `/accounts/${accountId}/stream/live_inputs/${probeInput}/rotate_keys`,
      liveInput,
    );
    const { probes } = await ingest();
    const rtmps = probes["probe-ingest rtmps"]!;
    expect(rtmps, rtmps.error).toMatchObject({ status: "passed" });
  });

  it("fails with the ingest's refusal when Cloudflare's answer lags behind a key rotation, and cleans up", async () => {
    const { client, accountId } = await cloudflare();
    const path = `/accounts/${accountId}/stream/live_inputs/${probeInput}`;
    const before = await client.call("GET", path, liveInput);
    await client.call("POST", `${path}/rotate_keys`, liveInput);
    // The read the probe makes answers the input as it was before the rotation: its keys are refused.
    const admin = new EmulatorAdmin(stack.local.emulator.url, stack.local.emulator.adminToken);
    const fault = await admin.addFault({
      method: "GET",
      path: `${new URL(stack.local.emulator.apiBase).pathname}${path}`,
      action: { type: "status", status: 200, body: JSON.stringify(cfSuccessEnvelope(before)) },
    });
    try {
      const { report, probes } = await ingest(15_000);
      expect(report.passed).toBe(false);
      expect(probes["probe-ingest rtmps"]?.error).toMatch(
        /^RTMPS ingest refused or dropped the broadcast: ffmpeg exited \(\d+\): /,
      );
      expect(probes["probe-ingest srt"]?.error).toMatch(
        /^SRT ingest refused or dropped the broadcast: ffmpeg exited/,
      );
      // ffmpeg's last line names the URL it published to: the key in it is masked in the report.
      expect(probes["probe-ingest rtmps"]?.error).toContain("<redacted>");
      for (const secret of [before.rtmps.streamKey, before.srt.passphrase]) {
        expect(JSON.stringify(report)).not.toContain(secret);
      }
    } finally {
      await admin.removeFault(fault.id);
    }
    expect(streamStore().get(probeInput)?.state).not.toBe("connected");
    expect(streamStore().listVideos({ liveInput: probeInput })).toEqual([]);
  });

  it("fails, saying so, when the probe input is disabled, without starting a broadcast", async () => {
    const { client, accountId } = await cloudflare();
    const path = `/accounts/${accountId}/stream/live_inputs/${probeInput}`;
    await client.call("PUT", path, liveInput, { enabled: false });
    try {
      const { probes } = await ingest(10_000);
      expect(probes["probe-ingest rtmps"]?.error).toBe(
        `the probe input ${probeInput} is disabled: a broadcaster cannot go live on it (enable it, or deploy again)`,
      );
      expect(probes["probe-ingest rtmps"]?.latencies).toEqual([]);
    } finally {
      await client.call("PUT", path, liveInput, { enabled: true });
    }
  });
});
