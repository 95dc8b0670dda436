import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { API_ROUTES, type ApiRoute } from "#contracts/api/routes.ts";
import { ApiError } from "../api-error.ts";
import type { AppEnv } from "../env.ts";
import { logLine } from "../log.ts";
import { fail } from "../respond.ts";
import { UpstreamError, type UpstreamName } from "../upstream/http.ts";

const UPSTREAM_LABEL: Record<UpstreamName, string> = {
  stream: "Cloudflare Stream",
  delivery: "Cloudflare Stream's delivery host",
  turn: "Cloudflare Realtime TURN",
  sfu: "Cloudflare Realtime SFU",
};

/** What the caller is told about a failed upstream call: a code and a plain sentence, never its body. */
export function upstreamToApiError(error: UpstreamError): ApiError {
  const label = UPSTREAM_LABEL[error.upstream];
  const details = {
    upstream: error.upstream,
    ...(error.detail.upstreamCode ? { upstream_code: error.detail.upstreamCode } : {}),
  };
  switch (error.code) {
    case "timeout":
      return new ApiError("upstream_timeout", `${label} did not answer before the deadline`, { details });
    case "unreachable":
      return new ApiError("upstream_unavailable", `${label} could not be reached`, { details });
    case "rate_limited": {
      const retryAfter = String(Math.max(1, error.detail.retryAfterSeconds ?? 1));
      return new ApiError("upstream_rate_limited", `${label} is rate limiting the Worker`, {
        details,
        headers: { "retry-after": retryAfter },
      });
    }
    case "server_error":
      return new ApiError("upstream_error", `${label} failed (HTTP ${error.status})`, { details });
    case "invalid_response":
      return new ApiError("upstream_invalid_response", `${label} answered with an unreadable response`, {
        details,
      });
    case "auth_failed":
      return new ApiError("upstream_auth_failed", `${label} refused the Worker's credentials`, { details });
    case "rejected": {
      const status = error.status >= 400 && error.status < 500 ? error.status : 502;
      return new ApiError("upstream_rejected", `${label} refused the request (HTTP ${error.status})`, {
        status,
        details,
      });
    }
  }
}

/** The envelope for every thrown error; anything unexpected is a 500 without its message. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof ApiError) return fail(c, error);
  if (error instanceof UpstreamError) return fail(c, upstreamToApiError(error));
  logLine(c.env, {
    request_id: c.get("requestId"),
    level: "error",
    error: error.name,
    message: error.message,
  });
  return fail(c, new ApiError("internal_error", "Internal error"));
};

/** The routes the Worker answers: a route that is a static asset (the OpenAPI document) is Cloudflare's to serve. */
const ROUTES = (Object.values(API_ROUTES) as ApiRoute[]).filter((route) => !route.asset);
const patterns = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/:[A-Za-z_]+/g, "[^/]+")}$`),
}));

/** The methods the route table has for this path. */
export function allowedMethods(path: string): string[] {
  return [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.route.method))];
}

/** 405 with `Allow` when the path exists under another method, else 404. */
export const notFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) => {
  const methods = allowedMethods(c.req.path);
  if (methods.length > 0) {
    const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
    return fail(
      c,
      new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allow}`, {
        headers: { allow },
      }),
    );
  }
  return fail(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path.slice(0, 200)}`));
};
