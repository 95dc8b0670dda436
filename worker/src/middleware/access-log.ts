import { createMiddleware } from "hono/factory";
import { ApiError } from "../api-error.ts";
import type { AppEnv } from "../env.ts";
import { logLine } from "../log.ts";
import type { Tenant } from "../tenants.ts";
import { UpstreamError } from "../upstream/http.ts";

function errorLabel(error: Error): string {
  if (error instanceof ApiError) return error.code;
  if (error instanceof UpstreamError) return `${error.upstream}:${error.code}`;
  return "internal_error";
}

/** How every access-log line begins, so that tooling can tell them from other output. */
export const ACCESS_LOG_MARK = '{"request_id"';

/**
 * One JSON line per request: what an operator needs to find a request again, and nothing that
 * could be a secret (no headers, no bodies, no query strings). It names the tenant when the
 * route's auth set one.
 */
export const accessLog = createMiddleware<AppEnv & { Variables: { tenant?: Tenant } }>(async (c, next) => {
  const startedAt = Date.now();
  await next();
  logLine(c.env, {
    request_id: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    tenant: c.get("tenant")?.id,
    ms: Date.now() - startedAt,
    ...(c.error ? { error: errorLabel(c.error) } : {}),
  });
});
