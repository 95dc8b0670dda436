import { createMiddleware } from "hono/factory";
import { REQUEST_ID_PATTERN } from "#contracts/api/envelope.ts";
import { REQUEST_ID_HEADER } from "#contracts/api/headers.ts";

/** Declared by the request id middleware, which the app runs before everything else. */
export type RequestIdEnv = { Variables: { requestId: string } };

/**
 * Every response carries `x-request-id`. An incoming id is kept only when it has the strict shape,
 * so that a caller cannot smuggle header or log-line content through it.
 */
export const requestId = createMiddleware<RequestIdEnv>(async (c, next) => {
  const incoming = c.req.header(REQUEST_ID_HEADER);
  const id = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.res.headers.set(REQUEST_ID_HEADER, id);
});
