import { createMiddleware } from "hono/factory";
import { ApiError } from "../api-error.ts";
import type { WorkerBindings } from "../env.ts";
import type { RouteEnv } from "../route-env.ts";

/**
 * A minting route's `ttl` checked against the deployment's own maximum, which may lie below the
 * contract's bound (Cloudflare's): a 400 naming `ttl` before any budget is spent. Sets no context
 * variable; reads the validated body of a minting route, which is a tenant route.
 */
export const ttlCap = (maxOf: (env: WorkerBindings) => number) =>
  createMiddleware<RouteEnv<"tenant">>(async (c, next) => {
    const max = maxOf(c.env);
    const { ttl } = c.get("input").body as { ttl?: number };
    if (ttl !== undefined && ttl > max) {
      const issue = { in: "body", path: "ttl", message: `must be at most ${max}` };
      throw new ApiError("invalid_request", `Invalid body: ttl: ${issue.message}`, {
        details: { issues: [issue] },
      });
    }
    await next();
  });
