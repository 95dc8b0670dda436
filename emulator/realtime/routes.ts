import { Hono } from "hono";
import type { Env } from "../context.ts";
import { RealtimeHttpError } from "./errors.ts";

/** The Realtime API (rtc.live.cloudflare.com), mounted under `/v1`: no envelope, `errorCode` errors. */
export const realtimeRoutes = new Hono<Env>();

realtimeRoutes.notFound((c) =>
  c.json({ errorCode: "not_found", errorDescription: `no route for ${c.req.path}` }, 404),
);
realtimeRoutes.onError((err, c) => {
  if (err instanceof RealtimeHttpError) {
    return c.json({ errorCode: err.errorCode, errorDescription: err.message }, err.status as 400);
  }
  console.error(
    `emulator: ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? err.message : err}`,
  );
  return c.json({ errorCode: "internal_error", errorDescription: "internal error" }, 500);
});
