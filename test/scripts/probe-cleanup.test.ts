import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ControlServer } from "#local-engine/control.ts";
import { serveLocalControl } from "#scripts/lib/local-driver.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";
import { descendants, type Proc, type RunningScript, running, startScript } from "./support/script.ts";
import { openTracks } from "./support/sfu-tracks.ts";

/**
 * `npm run smoke` with probes, in its own process against a running local stack (media plane and
 * SFU), stopped by a real signal or failing halfway: what it started must be gone afterwards.
 */
let stack: TestStack;
let control: ControlServer;
let probeInput: string;

beforeAll(async () => {
  stack = await startTestStack({ media: true });
  control = await serveLocalControl(stack.local);
  probeInput = (await stack.driver.outputs()).probe!.liveInputId;
});
afterAll(async () => {
  await control?.close();
  await stack?.close();
});
afterEach(() => stack.admin.clearFaults());

const smoke = (...args: string[]) =>
  startScript("smoke", ["--local", "--state-dir", stack.stateDir, "--timeout", "10", ...args]);

/** The ffmpeg broadcasting the test pattern, found among the smoke process's own descendants. */
function broadcaster(script: RunningScript): Proc {
  const found = descendants(script.child.pid!).filter(
    (p) => p.argv[0]?.endsWith("ffmpeg") && p.argv.includes("testsrc2=size=640x360:rate=30"),
  );
  expect(found, JSON.stringify(found)).toHaveLength(1);
  return found[0]!;
}

const streams = () => stack.local.emulator.stores.stream;

/** No tenant's live input was broadcast to, changed or recorded. */
async function tenantChannelsUntouched(): Promise<void> {
  const outputs = await stack.driver.outputs();
  for (const tenant of Object.values(outputs.tenants)) {
    for (const { liveInputId } of Object.values(tenant.channels)) {
      expect(streams().get(liveInputId)?.state).toBeNull();
      expect(streams().listVideos({ liveInput: liveInputId })).toEqual([]);
    }
  }
  const writes = await stack.admin.requests({ path: "/stream/live_inputs/" });
  const tenantInputs = Object.values(outputs.tenants).flatMap((t) =>
    Object.values(t.channels).map((c) => c.liveInputId),
  );
  expect(
    writes.filter((r) => r.method !== "GET" && tenantInputs.some((uid) => r.path.includes(uid))),
  ).toEqual([]);
}

/** The probe's own recordings are deleted, and the probe input goes back to not connected. */
async function probeInputClean(): Promise<void> {
  expect(streams().listVideos({ liveInput: probeInput })).toEqual([]);
  await expect.poll(() => streams().get(probeInput)?.state, { timeout: 5_000 }).not.toBe("connected");
}

describe("the probes clean up after an interrupt", () => {
  it("SIGINT mid-broadcast and mid-call: ffmpeg stopped, tracks closed, the recording deleted, exit 2", {
    timeout: 60_000,
  }, async () => {
    await stack.admin.clearRequests();
    // The call then waits for RTP that never comes, so the signal finds both probes halfway.
    await stack.admin.addFault({ path: "/v1/apps/**", action: { type: "drop_media" } });
    const script = smoke("--probe-ingest", "--probe-media", "--probe-timeout", "40");
    await Promise.all([
      script.printed(/probe-ingest rtmps: running — connected after/),
      script.printed(/probe-media: running — puller connected after/),
    ]);
    const ffmpeg = broadcaster(script);
    expect(streams().get(probeInput)?.state).toBe("connected");
    script.child.kill("SIGINT");
    const run = await script.exited;

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Could not run: interrupted by SIGINT; the probes cleaned up$/m);
    expect(run.stdout).toMatch(/probe-ingest rtmps: failed .* — .*interrupted by SIGINT/);
    expect(run.stdout).toMatch(/probe-media: failed .* — .*interrupted by SIGINT/);
    expect(running(ffmpeg)).toBe(false);
    expect(await openTracks(stack)).toEqual([]);
    await probeInputClean();
    await tenantChannelsUntouched();
  });

  it("SIGTERM mid-broadcast: the same, for a scheduler stopping the job", { timeout: 60_000 }, async () => {
    const script = smoke("--probe-ingest", "--probe-timeout", "40");
    await script.printed(/probe-ingest rtmps: running — connected after/);
    const ffmpeg = broadcaster(script);
    script.child.kill("SIGTERM");
    const run = await script.exited;

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Could not run: interrupted by SIGTERM; the probes cleaned up$/m);
    expect(running(ffmpeg)).toBe(false);
    await probeInputClean();
    await tenantChannelsUntouched();
  });
});

describe("the probes clean up after a failure", () => {
  it("HLS that never plays: the probe fails naming the step, ffmpeg is stopped, the recording deleted, exit 1", {
    timeout: 60_000,
  }, async () => {
    await stack.admin.addFault({
      method: "GET",
      path: `/delivery/**/${probeInput}/manifest/**`,
      action: { type: "status", status: 500 },
    });
    const script = smoke("--probe-ingest", "--probe-timeout", "6");
    await script.printed(/probe-ingest rtmps: running — connected after/);
    const ffmpeg = broadcaster(script);
    const run = await script.exited;

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /probe-ingest rtmps: failed .* — the probe input's HLS manifest listing a segment: the probe's deadline passed \(last: the manifest answers 500\)/,
    );
    expect(running(ffmpeg)).toBe(false);
    await probeInputClean();
    await tenantChannelsUntouched();
  });
});
