import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { NEEDS, requireConfig } from "../config.ts";
import {
  DASHBOARD_SESSION_MAX_SECONDS,
  DASHBOARD_TOKEN_TTL_SECONDS,
  signDashboardToken,
} from "../dashboard-token.ts";
import type { AppEnv } from "../env.ts";
import { mount } from "../mount.ts";
import { invalidCredential } from "../request-credentials.ts";

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * `POST /api/dashboard/token`: the dashboard trades the tenant key for a token once, then trades
 * each token for a fresh one until the sign-in is a working day old. The key never stays in the page.
 * A token keeps the key generation it was signed in with, refresh after refresh, so that it dies
 * with that generation: two rotations end every session opened before the first.
 */
export function dashboardTokenRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.dashboardToken, async (c) => {
    const { SIGNING_SECRET } = requireConfig(c.env, NEEDS.tenantAuth);
    const credential = c.get("credential");
    const now = Math.floor(Date.now() / 1000);
    const signedInAt = credential.kind === "dashboard_token" ? credential.signedInAt : now;
    const sessionEnds = signedInAt + DASHBOARD_SESSION_MAX_SECONDS;
    if (sessionEnds <= now) {
      throw invalidCredential(
        "dashboard token",
        "The dashboard session has ended: sign in with the tenant key again",
      );
    }
    const exp = Math.min(now + DASHBOARD_TOKEN_TTL_SECONDS, sessionEnds);
    const token = await signDashboardToken(SIGNING_SECRET, {
      tenant: c.get("tenant").id,
      generation: credential.generation,
      signed_in_at: signedInAt,
      exp,
    });
    return { token, expires_at: iso(exp), session_expires_at: iso(sessionEnds) };
  });
}
