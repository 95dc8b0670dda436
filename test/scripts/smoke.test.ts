import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FaultRuleInput } from "#emulator/core/faults.ts";
import { CouldNotRun } from "#scripts/lib/cli.ts";
import { type Progress, type ProgressRow, silentProgress } from "#scripts/lib/progress.ts";
import { smokeSummary } from "#scripts/smoke/report.ts";
import { runSmoke, type SmokeReport } from "#scripts/smoke/run.ts";
import { targetOfStack } from "#scripts/smoke/target.ts";
import { declaredWorker, startTestStack, type TestStack } from "./support/local-stack.ts";

let stack: TestStack;

const smoke = async (timeoutMs = 3_000): Promise<SmokeReport> =>
  runSmoke(
    await targetOfStack(stack.driver, {}),
    { timeoutMs, requireLive: false, backoff: { baseMs: 50, maxMs: 400 } },
    silentProgress,
  );
const failedNames = (report: SmokeReport) =>
  report.checks
    .filter((c) => c.status === "failed")
    .map((c) => c.name)
    .sort();
const check = (report: SmokeReport, name: string) => report.checks.find((c) => c.name === name)!;
const expectFailedAlone = (report: SmokeReport, ...names: string[]) =>
  expect(failedNames(report)).toEqual(names.sort());

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());
afterEach(() => stack.admin.clearFaults());

const fault = (rule: FaultRuleInput) => stack.admin.addFault(rule);
const TURN_GENERATE = "/v1/turn/keys/*/credentials/generate-ice-servers";
const SFU_NEW_SESSION = "/v1/apps/*/sessions/new";

describe("smoke on a healthy local stack", () => {
  it("passes every check at the first attempt", async () => {
    const report = await smoke();
    expect(report.checks.map((c) => c.name).sort()).toEqual(
      [
        "auth",
        "health",
        "live-input acme/backstage",
        "live-input acme/main-stage",
        "live-input globex/live",
        "sfu",
        "turn",
        "webhook",
      ].sort(),
    );
    expect(report.checks.filter((c) => c.status !== "passed" || c.attempts !== 1)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(check(report, "health").detail).toMatch(/^stack dev, version 0\.1\.0\+[0-9a-f]{12}$/);
    expect(check(report, "sfu").detail).toContain("track published, read back, closed");
    expect(check(report, "webhook").detail).toBe("no secret: 401");
  });

  it("never puts a secret in the report", async () => {
    const report = JSON.stringify(await smoke());
    const outputs = await stack.driver.outputs();
    for (const tenant of Object.values(outputs.tenants)) expect(report).not.toContain(tenant.apiKey);
    expect(report).not.toContain(stack.local.emulator.adminToken);
  });
});

describe("the channels smoke checks", () => {
  it("by default, a stack this small in full; a sample keeps both ends of the tenant map and says so", async () => {
    const full = await smoke();
    expect(full.channels).toEqual({ checked: 3, total: 3, kind: "sample" });
    expect(smokeSummary(full)).toContain("\nChecked 3 of 3 channels (all).");

    const sample = await runSmoke(
      await targetOfStack(stack.driver, {}),
      { timeoutMs: 3_000, requireLive: false, channels: { kind: "sample", size: 2 } },
      silentProgress,
    );
    expect(sample.checks.filter((c) => c.name.startsWith("live-input")).map((c) => c.name)).toEqual([
      "live-input acme/main-stage",
      "live-input globex/live",
    ]);
    expect(smokeSummary(sample)).toContain(
      "\nChecked 2 of 3 channels (sample; --channels all checks every one, paced).",
    );
  });

  it("all of them: every channel, the source reads through the scripts' pace, which the summary names", async () => {
    const target = await targetOfStack(stack.driver, {});
    const report = await runSmoke(
      target,
      { timeoutMs: 3_000, requireLive: false, channels: { kind: "all" } },
      silentProgress,
    );
    expect(report.passed).toBe(true);
    expect(report.checks.filter((c) => c.name.startsWith("live-input"))).toHaveLength(3);
    // The test stack raised the emulator's quota; the pace reads it from each answer's Ratelimit-Policy.
    const { limit, windowMs } = target.cloudflare!.client.pace!;
    expect(report.channels).toEqual({ checked: 3, total: 3, kind: "all", pace: { limit, windowMs } });
    expect(smokeSummary(report)).toContain(
      `Checked 3 of 3 channels (all, source reads paced at ${limit.toLocaleString("en-US")} per 5 minutes).`,
    );
  });
});

describe("each check fails alone, with a clear message, under its fault", () => {
  it("TURN credential generation answering 500 fails turn", async () => {
    await fault({ method: "POST", path: TURN_GENERATE, action: { type: "status", status: 500 } });
    const report = await smoke();
    expectFailedAlone(report, "turn");
    expect(check(report, "turn").error).toMatch(/POST \/api\/realtime\/turn: HTTP 502 upstream_error/);
    expect(check(report, "turn").attempts).toBeGreaterThan(1);
  });

  it("the SFU refusing the app secret (401) fails sfu", async () => {
    await fault({ method: "POST", path: SFU_NEW_SESSION, action: { type: "status", status: 401 } });
    const report = await smoke();
    expectFailedAlone(report, "sfu");
    expect(check(report, "sfu").error).toMatch(/POST \/api\/realtime\/sfu: HTTP 502 upstream_auth_failed/);
  });

  it("a deleted live input fails that channel's check only", async () => {
    const { tenants } = await stack.driver.outputs();
    const uid = tenants.acme!.channels.backstage!.liveInputId;
    await fault({
      method: "GET",
      path: `/client/v4/accounts/*/stream/live_inputs/${uid}`,
      action: {
        type: "status",
        status: 404,
        body: JSON.stringify({
          success: false,
          errors: [{ code: 10003, message: "Not found" }],
          messages: [],
          result: null,
        }),
      },
    });
    const report = await smoke();
    expectFailedAlone(report, "live-input acme/backstage");
    expect(check(report, "live-input acme/backstage").error).toBe(
      `live input ${uid} (acme/backstage) does not exist on Cloudflare`,
    );
  });

  it("a Worker deployed without a binding fails health, naming the binding", async () => {
    const full = declaredWorker(stack.local);
    await stack.local.worker.deploy({ ...full, bindings: full.bindings.filter((b) => b.name !== "VERSION") });
    try {
      const report = await smoke();
      expectFailedAlone(report, "health");
      expect(check(report, "health").error).toBe(
        "the Worker reports bindings it cannot use: VERSION missing",
      );
    } finally {
      await stack.local.worker.deploy(full);
    }
  });
});

describe("expectations a deploy or an operator adds", () => {
  it("--expect-version and --require-live fail health and every channel that is not live", async () => {
    const { tenants } = await stack.driver.outputs();
    const live = tenants.acme!.channels["main-stage"]!.liveInputId;
    await stack.admin.setLiveInputState(live, "connected");
    try {
      const target = { ...(await targetOfStack(stack.driver, {})), expectVersion: "0.0.0+000000000000" };
      const report = await runSmoke(
        target,
        { timeoutMs: 2_000, requireLive: true, backoff: { baseMs: 50, maxMs: 400 } },
        silentProgress,
      );
      expectFailedAlone(report, "health", "live-input acme/backstage", "live-input globex/live");
      expect(check(report, "health").error).toMatch(
        /^version 0\.1\.0\+[0-9a-f]{12} is live, expected 0\.0\.0\+000000000000 \(a fresh deploy may still be propagating\)$/,
      );
      expect(check(report, "live-input globex/live").error).toBe(
        "globex/live is not live (state: never connected)",
      );
      expect(check(report, "live-input acme/main-stage").detail).toBe(`${live} enabled, live`);
    } finally {
      await stack.admin.setLiveInputState(live, null);
    }
  });
});

describe("transient faults", () => {
  it("pass after retries when the first two calls fail", async () => {
    const turn = await fault({
      method: "POST",
      path: TURN_GENERATE,
      count: 2,
      action: { type: "status", status: 500 },
    });
    const sfu = await fault({
      method: "POST",
      path: SFU_NEW_SESSION,
      count: 2,
      action: { type: "status", status: 503 },
    });
    const report = await smoke();
    expectFailedAlone(report);
    expect(check(report, "turn").attempts).toBe(3);
    expect(check(report, "sfu").attempts).toBe(3);
    const fired = Object.fromEntries((await stack.admin.faults()).map((f) => [f.id, f.fired]));
    expect([fired[turn.id], fired[sfu.id]]).toEqual([2, 2]);
  });
});

describe("a Worker that never answers", () => {
  it("could not run, and no check or probe started (no ffmpeg, no SFU session)", async () => {
    const rows: ProgressRow[] = [];
    const progress: Progress = { set: (row) => rows.push(row), note: () => {}, close: () => {} };
    const target = { ...(await targetOfStack(stack.driver, {})), workerUrl: "http://127.0.0.1:9" };
    const run = runSmoke(
      target,
      {
        timeoutMs: 500,
        requireLive: false,
        probes: { ingest: true, media: true, turn: true },
        backoff: { baseMs: 50, maxMs: 100 },
      },
      progress,
    );
    await expect(run).rejects.toThrow(CouldNotRun);
    await expect(run).rejects.toThrow(/the Worker at http:\/\/127\.0\.0\.1:9 never answered/);
    expect(rows).toEqual([]);
  });
});
