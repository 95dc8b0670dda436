import type { Hono } from "hono";
import type { RefreshReport } from "#contracts/api/healthz.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { type ConfigReport, configReport, isUsable } from "../config.ts";
import { STATUS_REFRESH_MS } from "../durable/status-snapshot.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { statusSweepOf } from "../refresh-channels.ts";
import { refreshSharesOf } from "../tenants.ts";

/** How current status is at this scale, worked out as the sweep works it out; null without a usable map. */
function refreshReport({ values }: ConfigReport): RefreshReport | null {
  const { TENANTS, PROBE_LIVE_INPUT_ID, WORKERS_PLAN } = values;
  if (!TENANTS || PROBE_LIVE_INPUT_ID === undefined || !WORKERS_PLAN) return null;
  const { plan } = statusSweepOf(TENANTS, PROBE_LIVE_INPUT_ID, WORKERS_PLAN);
  return {
    plan: WORKERS_PLAN,
    live_inputs: plan.liveInputs,
    liveness_max_age_seconds: STATUS_REFRESH_MS / 1000,
    api_sweep: {
      per_5_minutes: refreshSharesOf(TENANTS).cloudflareApiPer5Minutes,
      reads_per_run: plan.readsPerRun,
      cycle_seconds: plan.cycleMs / 1000,
    },
  };
}

export function healthzRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.healthz, (c) => {
    const report = configReport(c.env);
    const { values, checks } = report;
    return {
      ok: Object.values(checks).every(isUsable),
      version: values.VERSION ?? "unknown",
      stack: values.STACK ?? "unknown",
      checks,
      refresh: refreshReport(report),
    };
  });
}
