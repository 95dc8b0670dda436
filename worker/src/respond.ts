import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiError } from "./api-error.ts";

export function ok(c: Context, data: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json({ success: true, data }, status);
}

export function fail(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const body = {
    success: false,
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
  return c.json(body, error.status as ContentfulStatusCode);
}
