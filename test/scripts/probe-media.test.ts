import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "#scripts/lib/progress.ts";
import { runProbes } from "#scripts/probes/plan.ts";
import type { ProbeResult } from "#scripts/probes/probe.ts";
import { runSmoke } from "#scripts/smoke/run.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { declaredWorker, startTestStack, type TestStack } from "./support/local-stack.ts";
import { openTracks } from "./support/sfu-tracks.ts";

/** The media probes through the Worker against the local SFU (werift) and a real coturn. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ turn: true });
});
afterAll(() => stack?.close());

const probe = async (selection: { media?: boolean; turn?: boolean }, timeoutMs = 20_000) => {
  const report = await runSmoke(
    await targetOfStack(stack.driver, {}),
    {
      timeoutMs: 10_000,
      requireLive: false,
      probes: { ingest: false, media: selection.media ?? false, turn: selection.turn ?? false },
      probeTimeoutMs: timeoutMs,
    },
    silentProgress,
  );
  return Object.fromEntries(report.probes!.map((p) => [p.name, p])) as Record<string, ProbeResult>;
};

describe("smoke --probe-media and --probe-turn on the local stack", () => {
  it("carries RTP and a DataChannel message from one peer to the other, direct and relayed by coturn", {
    timeout: 90_000,
  }, async () => {
    const probes = await probe({ media: true, turn: true });
    for (const name of ["probe-media", "probe-media relay"]) {
      const result = probes[name]!;
      expect(result, result.error).toMatchObject({ status: "passed" });
      expect(result.latencies.map((l) => l.step)).toEqual([
        "publisher connected",
        "puller connected",
        "first packet",
        "data channel message",
      ]);
      expect(result.cloudflareWaitMs).toBeGreaterThan(0);
    }
    expect(probes["probe-media relay"]!.detail).toMatch(/relayed by turn:127\.0\.0\.1:\d+\?transport=udp\)$/);
    expect(probes["probe-media"]!.detail).toMatch(/\(direct\)$/);
    expect(await openTracks(stack)).toEqual([]);
  });

  it("fails with a clear reason when the SFU does not forward (the emulator's drop_media fault), and closes every track it opened", async () => {
    await stack.admin.clearRequests();
    const rule = await stack.admin.addFault({ path: "/v1/apps/**", action: { type: "drop_media" } });
    try {
      // The probe alone (no smoke checks beside it): every session closed below is one it opened.
      const probes = Object.fromEntries(
        (
          await runProbes(
            await targetOfStack(stack.driver, {}),
            { ingest: false, media: true, turn: false },
            { timeoutMs: 6_000 },
            silentProgress,
          )
        ).map((p) => [p.name, p]),
      );
      expect(probes["probe-media"]).toMatchObject({ status: "failed" });
      expect(probes["probe-media"]?.error).toMatch(
        /^RTP of the published track reaching the puller: the probe's deadline passed: the SFU did not forward the published track \(\d+ packets sent, none arrived\)$/,
      );
      expect(probes["probe-media"]?.cleanupErrors).toBeUndefined();
      expect((await stack.admin.faults()).find((f) => f.id === rule.id)?.fired).toBeGreaterThan(0);
    } finally {
      await stack.admin.removeFault(rule.id);
    }
    // The probe's two sessions, publisher and puller, each closed its tracks through the proxy.
    const opened = await stack.admin.requests({ path: "/sessions/new" });
    expect(opened.filter((r) => r.status === 201)).toHaveLength(2);
    const closes = await stack.admin.requests({ path: "/tracks/close" });
    expect(new Set(closes.filter((r) => r.status === 200).map((r) => r.path)).size).toBe(2);
    expect(await openTracks(stack)).toEqual([]);
  });

  it("fails with a clear reason when the Worker's TURN secret is wrong, before it opens a session", async () => {
    const full = declaredWorker(stack.local);
    const wrong = full.bindings.map((b) =>
      b.name === "TURN_KEY_SECRET" ? { ...b, text: "x".repeat(48) } : b,
    );
    await stack.local.worker.deploy({ ...full, bindings: wrong });
    await stack.admin.clearRequests();
    try {
      const probes = await runProbes(
        await targetOfStack(stack.driver, {}),
        { ingest: false, media: false, turn: true },
        { timeoutMs: 8_000 },
        silentProgress,
      );
      expect(await stack.admin.requests({ path: "/sessions/new" })).toEqual([]);
      expect(probes).toMatchObject([{ name: "probe-media relay", status: "failed" }]);
      expect(probes[0]?.error).toMatch(/^POST \/api\/realtime\/turn: HTTP 502 upstream_auth_failed/);
    } finally {
      await stack.local.worker.deploy(full);
    }
  });
});
