import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "../../scripts/lib/progress.ts";
import { rotate } from "../../scripts/rotation/rotate.ts";
import { stackVerifier } from "../../scripts/rotation/verify.ts";
import { runSmoke } from "../../scripts/smoke/run.ts";
import { targetOfStack } from "../../scripts/smoke/target.ts";
import { startTestStack, type TestStack } from "./support/local-stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ turn: true });
});
afterAll(() => stack?.close());

describe("--probe-turn against a real TURN server (local coturn behind the revocation gate)", () => {
  it("allocates a relay with the credentials the Worker minted", async () => {
    const report = await runSmoke(
      await targetOfStack(stack.driver, {}),
      { timeoutMs: 5_000, requireLive: false, probeTurn: true },
      silentProgress,
    );
    const turn = report.checks.find((c) => c.name === "turn")!;
    const gate = stack.local.turn!;
    expect(turn).toMatchObject({ status: "passed", attempts: 1 });
    expect(turn.detail).toMatch(
      new RegExp(`^allocated relay 127\\.0\\.0\\.1:\\d+ on turn:${gate.host}:${gate.port}\\?transport=udp$`),
    );
  });

  it("verifies a TURN rotation with a real allocation on the new key's credentials", async () => {
    const report = await rotate(stack.driver, {
      kinds: ["turn"],
      period: "probe",
      dryRun: false,
      force: false,
      verify: stackVerifier({ timeoutMs: 10_000, probeTurn: true }),
      progress: silentProgress,
    });
    expect(report.kinds).toMatchObject([{ kind: "turn", outcome: "rotated" }]);
  });
});
