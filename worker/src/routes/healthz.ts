import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { configReport, isUsable } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

export function healthzRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.healthz, (c) => {
    const { values, checks } = configReport(c.env);
    return {
      ok: Object.values(checks).every(isUsable),
      version: values.VERSION ?? "unknown",
      stack: values.STACK ?? "unknown",
      checks,
    };
  });
}
