import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiSuccess } from "#contracts/api/envelope.ts";
import { healthzData } from "#contracts/api/healthz.ts";
import { sweepPlan } from "#contracts/worker/status-sweep.ts";
import { call, fixture, secretValues } from "../../test/support/api.ts";
import { createApp } from "../app.ts";

describe("GET /healthz", () => {
  it("reports the stack, the version and every binding as usable, with no value", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    const { data } = apiSuccess(healthzData).parse(res.json);
    expect(data).toMatchObject({ ok: true, version: "1.2.3-test", stack: "test" });
    // A stack before its first rotation has no previous signing or webhook slot: empty, by default.
    const { SIGNING_SECRET_FALLBACK, WEBHOOK_SECRET_FALLBACK, ...others } = data.checks;
    expect([SIGNING_SECRET_FALLBACK, WEBHOOK_SECRET_FALLBACK]).toEqual(["default", "default"]);
    expect(Object.values(others).every((check) => check === "ok")).toBe(true);
    for (const value of secretValues()) expect(res.text).not.toContain(value);
  });

  it("reports how current status is at this scale: liveness on demand, the API sweep's cycle", async () => {
    const { data } = apiSuccess(healthzData).parse((await call("/healthz")).json);
    const inputs = Object.values(fixture().liveInputs).flatMap((byChannel) => Object.values(byChannel));
    const refresh = data.refresh!;
    expect(refresh).toMatchObject({
      plan: "paid",
      live_inputs: inputs.length + 1,
      liveness_max_age_seconds: 10,
    });
    const plan = sweepPlan(refresh.live_inputs, refresh.api_sweep.per_5_minutes, "paid");
    expect(refresh.api_sweep).toEqual({
      per_5_minutes: refresh.api_sweep.per_5_minutes,
      reads_per_run: plan.readsPerRun,
      cycle_seconds: plan.cycleMs / 1000,
    });
  });

  it("names missing and malformed bindings and says ok: false", async () => {
    const broken = {
      ...env,
      SFU_APP_SECRET: undefined,
      CREDENTIAL_TTL_MAX: "forever",
      CF_API_BASE: undefined,
    };
    const res = await call("/healthz", { app: { app: createApp(), env: broken } });
    const { data } = apiSuccess(healthzData).parse(res.json);
    expect(data.ok).toBe(false);
    expect(data.checks.SFU_APP_SECRET).toBe("missing");
    expect(data.checks.CREDENTIAL_TTL_MAX).toBe("malformed");
    expect(data.checks.CF_API_BASE).toBe("default");
    expect(res.text).not.toContain("forever");
  });
});
