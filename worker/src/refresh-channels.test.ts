import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sweepPlan } from "#contracts/worker/status-sweep.ts";
import { emulatorAdmin, fixture } from "../test/support/api.ts";
import { statusSweepOf, sweepLiveInputs } from "./refresh-channels.ts";
import { refreshSharesOf } from "./tenants.ts";

describe("the status sweep", () => {
  it("has each live input's channel status object read it from the API once, paid from the sweep's share", async () => {
    // This test's own channel only: other test files count reads of theirs.
    const uid = fixture().liveInputs.acme!.cron!;
    const reads = async () =>
      (await emulatorAdmin<unknown[]>("GET", `/requests?method=GET&path=stream/live_inputs/${uid}`)).length;
    const before = await reads();
    expect(await sweepLiveInputs(env, [uid], fixture().bindings.STREAM_API_TOKEN!)).toEqual({
      read: 1,
      refused: 0,
      failed: 0,
    });
    expect(await reads()).toBe(before + 1);
  });

  it("covers every tenant channel and the probe input, within the sweep's share per run", () => {
    const { tenants, liveInputs, probeLiveInput } = fixture();
    const { inputs, plan } = statusSweepOf(tenants, probeLiveInput, "paid");
    expect([...inputs].sort()).toEqual(
      [...Object.values(liveInputs).flatMap((byChannel) => Object.values(byChannel)), probeLiveInput].sort(),
    );
    const share = refreshSharesOf(tenants).cloudflareApiPer5Minutes;
    expect(plan).toEqual(sweepPlan(inputs.length, share, "paid"));
    expect(plan.readsPerRun * 5).toBeLessThanOrEqual(share);
  });
});
