import * as z from "zod/mini";
import { signToken, type TokenKind, verifyToken } from "./signed-token.ts";

/** A dashboard token lives this long; the page refreshes it well before. */
export const DASHBOARD_TOKEN_TTL_SECONDS = 15 * 60;
/** Refreshes stop this long after the sign-in with the tenant key: an operator signs in once a day. */
export const DASHBOARD_SESSION_MAX_SECONDS = 12 * 3600;

const dashboardClaims = z.object({
  tenant: z.string(),
  /** The tenant key generation signed in with: rotating tenant keys ends older dashboard sessions too. */
  generation: z.int(),
  /** When the operator signed in with the tenant key, in Unix seconds. */
  signed_in_at: z.int(),
  exp: z.int(),
});
export type DashboardClaims = z.infer<typeof dashboardClaims>;

/**
 * What the dashboard holds instead of the tenant key: accepted wherever the key is, but it dies
 * within minutes unless refreshed, and refreshes end a working day after the sign-in.
 */
const DASHBOARD_TOKEN: TokenKind<typeof dashboardClaims> = {
  prefix: "rdt1",
  domain: "dashboard-token\u0000v1\u0000",
  claims: dashboardClaims,
};

export const isDashboardToken = (bearer: string) => bearer.startsWith(`${DASHBOARD_TOKEN.prefix}.`);

export const signDashboardToken = (secret: string, claims: DashboardClaims) =>
  signToken(DASHBOARD_TOKEN, secret, claims);

export const verifyDashboardToken = (secret: string, token: string, nowSeconds: number) =>
  verifyToken(DASHBOARD_TOKEN, secret, token, nowSeconds);
