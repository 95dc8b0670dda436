import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { configReport } from "../config.ts";
import { DASHBOARD_HTML, dashboardCsp } from "../dashboard/page.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/** Where the channels' previews play from: the account's Stream delivery host. */
function playbackOrigins(env: object): string[] {
  const tenants = configReport(env).values.TENANTS;
  return tenants ? [new URL(tenants.playbackBase).origin] : [];
}

/** `GET /`: the operator's status dashboard; its script and stylesheet are the Worker's static assets. */
export function dashboardRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.dashboard, (c) =>
    c.html(DASHBOARD_HTML, 200, {
      "content-security-policy": dashboardCsp(new URL(c.req.url).origin, playbackOrigins(c.env)),
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
    }),
  );
}
