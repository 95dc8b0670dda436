import type { Hono } from "hono";
import { API_ROUTES } from "../../../contracts/api/routes.ts";
import { DASHBOARD_CSP, DASHBOARD_HTML } from "../dashboard/page.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";

/** `GET /`: the operator's status dashboard, one self-contained page. */
export function dashboardRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.dashboard, (c) =>
    c.html(DASHBOARD_HTML, 200, {
      "content-security-policy": DASHBOARD_CSP,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
    }),
  );
}
