import { createMiddleware } from "hono/factory";
import { ApiError } from "../api-error.ts";
import { configReport } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { CredentialRefusal } from "../request-credentials.ts";
import { allowedOriginsOf, findTenant } from "../tenants.ts";
import { allowedMethods } from "./errors.ts";

/**
 * What the typed client sends. `last-event-id` resumes an event stream (client/transport.ts); it is
 * not a CORS-safelisted header, so without it here every resume from another origin failed its
 * preflight and the stream never came back.
 */
const ALLOW_HEADERS = "authorization, content-type, x-tenant-id, x-request-id, last-event-id";
const EXPOSE_HEADERS = "x-request-id, retry-after";
const PREFLIGHT_MAX_AGE = "600";

const allows = (origins: string[], origin: string) => origins.includes("*") || origins.includes(origin);

function anyTenantAllows(
  tenants: Parameters<typeof allowedOriginsOf>[0] | undefined,
  origin: string,
): boolean {
  const everyAllowed = tenants ? allowedOriginsOf(tenants) : new Set<string>();
  return everyAllowed.has("*") || everyAllowed.has(origin);
}

/**
 * CORS per tenant `allowedOrigins`. A preflight carries no tenant header value, so it passes when
 * any tenant allows the origin; the actual response then only gets `Access-Control-Allow-Origin`
 * when the tenant it names allows that origin, so a browser on another tenant's origin reads nothing.
 * An auth middleware's refusal follows the preflight's rule instead: it holds nothing to protect,
 * and following the named tenant would tell by a header which tenant ids exist. A handler's own 403
 * (another room's tracks, say) comes after auth, may name the caller's data, and follows the tenant.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  if (!origin) return next();
  const tenants = configReport(c.env).values.TENANTS;
  const isPreflight = c.req.method === "OPTIONS" && c.req.header("access-control-request-method");
  if (isPreflight) {
    const methods = allowedMethods(c.req.path);
    if (methods.length === 0) return next();
    if (!anyTenantAllows(tenants, origin))
      throw new ApiError("forbidden", "This origin is not allowed", { headers: { vary: "Origin" } });
    return c.body(null, 204, {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-max-age": PREFLIGHT_MAX_AGE,
      vary: "Origin",
    });
  }
  await next();
  const tenant = tenants && findTenant(tenants, c.req.header("x-tenant-id") ?? "");
  c.res.headers.append("vary", "Origin");
  // Hono keeps what a later handler threw in c.error after its error handler answered.
  const refusal = c.error instanceof CredentialRefusal;
  if (refusal ? anyTenantAllows(tenants, origin) : tenant && allows(tenant.allowedOrigins, origin)) {
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.set("access-control-expose-headers", EXPOSE_HEADERS);
  }
});
