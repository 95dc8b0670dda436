import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "#scripts/lib/progress.ts";
import type { RotationKind } from "#scripts/rotation/kinds.ts";
import { type Checkpoint, type RotateOptions, rotate } from "#scripts/rotation/run.ts";
import { stackVerifier } from "#scripts/rotation/verify.ts";
import type { ChecksOutcome } from "#scripts/smoke/run.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";

/**
 * Rotation verified by media, as `npm run rotate` does by default: against a stack with the local
 * media plane (the SFU forwarding RTP) and coturn, so a rotated TURN key or SFU app is proven by a
 * call that carries packets, and one that carries none is rolled back.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ turn: true, media: true });
});
afterAll(() => stack?.close());
afterEach(() => stack.admin.clearFaults());

let periods = 0;
const verifications: { kind: RotationKind; outcome: ChecksOutcome }[] = [];
const withMedia = stackVerifier({ timeoutMs: 5_000, probeTimeoutMs: 15_000 });

const rotateNow = (kind: RotationKind, checkpoint?: RotateOptions["checkpoint"]) =>
  rotate(stack.driver, {
    kinds: [kind],
    period: `media-${++periods}`,
    dryRun: false,
    force: false,
    verify: async (k, driver) => {
      const outcome = await withMedia(k, driver);
      verifications.push({ kind: k, outcome });
      return outcome;
    },
    progress: silentProgress,
    ...(checkpoint ? { checkpoint } : {}),
  });

const probesOf = (outcome: ChecksOutcome) =>
  outcome.checks.filter((c) => c.name.startsWith("probe-")).map((c) => [c.name, c.status]);

describe("rotation verified by media", () => {
  it("a TURN rotation passes once a call relayed with the new key's credentials carries media", {
    timeout: 90_000,
  }, async () => {
    verifications.length = 0;
    const report = await rotateNow("turn");
    expect(report.kinds[0]).toMatchObject({ kind: "turn", outcome: "rotated" });
    expect(verifications.map((v) => probesOf(v.outcome))).toEqual([[["probe-media relay", "passed"]]]);
  });

  it("an SFU rotation whose new app forwards no media rolls back, and the previous app carries media again", {
    timeout: 90_000,
  }, async () => {
    const before = (await stack.driver.outputs()).sfuApps;
    // Only the new app forwards nothing, once it exists: its calls set up as usual (every HTTP check
    // passes), and only the media probe can tell.
    const breakNewApp = async ({ kind, step, phase }: Checkpoint) => {
      if (kind !== "sfu" || step !== "regenerate" || phase !== "applied") return;
      const fresh = (await stack.driver.outputs()).sfuApps;
      const next = fresh.active === "a" ? fresh.b : fresh.a;
      await stack.admin.addFault({ path: `/v1/apps/${next.appId}/**`, action: { type: "drop_media" } });
    };
    verifications.length = 0;
    const report = await rotateNow("sfu", breakNewApp);

    expect(report.ok).toBe(false);
    expect(report.kinds[0]).toMatchObject({ kind: "sfu", outcome: "rolled-back" });
    expect(report.kinds[0]!.error).toMatch(
      /^verification failed: probe-media: .+; rolled back, the previous slot verifies again$/,
    );
    expect((await stack.driver.outputs()).sfuApps.active).toBe(before.active);
    expect(verifications.map((v) => probesOf(v.outcome))).toEqual([
      [["probe-media", "failed"]],
      [["probe-media", "passed"]],
    ]);
    // Every check but the media probe passed against the new app: media was the only thing broken.
    expect(verifications[0]!.outcome.checks.filter((c) => c.status === "failed").map((c) => c.name)).toEqual([
      "probe-media",
    ]);
  });
});
