import { createMiddleware } from "hono/factory";
import { REQUEST_ID_PATTERN } from "#contracts/api/envelope.ts";
import { REQUEST_ID_HEADER } from "#contracts/api/headers.ts";
import type { AppEnv } from "../env.ts";

/**
 * Every response carries `x-request-id`. An incoming id is kept only when it has the strict shape,
 * so that a caller cannot smuggle header or log-line content through it.
 */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header(REQUEST_ID_HEADER);
  const id = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.res.headers.set(REQUEST_ID_HEADER, id);
});
