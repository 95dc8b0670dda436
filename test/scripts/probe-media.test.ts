import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "../../scripts/lib/progress.ts";
import type { ProbeResult } from "../../scripts/probes/probe.ts";
import { runSmoke } from "../../scripts/smoke/run.ts";
import { targetOfStack } from "../../scripts/smoke/target.ts";
import { declaredWorker, startTestStack, type TestStack } from "./support/local-stack.ts";

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
  });

  it("fails with a clear reason when the Worker's TURN secret is wrong, and closes what it opened", async () => {
    const full = declaredWorker(stack.local);
    const wrong = full.bindings.map((b) =>
      b.name === "TURN_KEY_SECRET" ? { ...b, text: "x".repeat(48) } : b,
    );
    await stack.local.worker.deploy({ ...full, bindings: wrong });
    try {
      const probes = await probe({ turn: true }, 8_000);
      expect(probes["probe-media relay"]).toMatchObject({ status: "failed" });
      expect(probes["probe-media relay"]?.error).toMatch(
        /^POST \/api\/realtime\/turn: HTTP 502 upstream_auth_failed/,
      );
    } finally {
      await stack.local.worker.deploy(full);
    }
  });
});
