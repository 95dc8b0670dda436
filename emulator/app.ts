import { Hono, type HonoRequest } from "hono";
import { bodyLimit } from "hono/body-limit";
import { applyFault } from "./admin/apply-fault.ts";
import { redact } from "./admin/request-log.ts";
import { adminRoutes } from "./admin/routes.ts";
import type { EmulatorServices, Env } from "./context.ts";
import { CfHttpError, cfErrors } from "./errors.ts";
import { realtimeErrorResponse } from "./realtime/errors.ts";
import { realtimeRoutes } from "./realtime/routes.ts";
import { cfFail } from "./respond.ts";
import { deliveryRoutes } from "./routes/delivery.ts";
import { v4Routes } from "./routes/index.ts";

/** Path segments that are credentials themselves (a TURN username in a revoke URL). */
const SECRET_PATH = /(\/credentials\/)[^/]+(\/revoke)$/;

export function createApp(services: EmulatorServices) {
  const app = new Hono<Env>();

  app.use("*", async (c, next) => {
    c.set("services", services);
    const started = performance.now();
    await next();
    if (c.req.path.startsWith("/__emulator")) return;
    services.log.add({
      time: new Date().toISOString(),
      method: c.req.method,
      path: c.req.path.replace(SECRET_PATH, "$1[redacted]$2"),
      query: c.req.query(),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      tokenId: c.get("token")?.id ?? null,
      body: await loggedBody(c.req).catch(() => undefined),
      ...(c.res.headers.get("x-emulator-fault") ? { fault: c.res.headers.get("x-emulator-fault")! } : {}),
    });
  });

  app.route("/__emulator", adminRoutes);

  app.use("*", async (c, next) => {
    const action = services.faults.match(c.req.method, c.req.path);
    if (!action) return next();
    return applyFault(c, action, next);
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: services.config.bodyLimit,
      onError: () => {
        throw cfErrors.tooLarge(services.config.bodyLimit);
      },
    }),
  );

  app.route("/client/v4", v4Routes);
  app.route("/v1", realtimeRoutes);
  app.route("/delivery", deliveryRoutes);

  app.notFound((c) => {
    const e = cfErrors.noRoute(c.req.path);
    return cfFail(c, 404, e.errors);
  });
  app.onError((err, c) => {
    // Errors raised before the Realtime routes run (the body limit) still answer in Realtime's shape.
    if (c.req.path.startsWith("/v1/")) return realtimeErrorResponse(err, c);
    if (err instanceof CfHttpError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return cfFail(c, err.status as 400, err.errors);
    }
    console.error(
      `emulator: ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? err.message : err}`,
    );
    return cfFail(c, 500, cfErrors.internal().errors);
  });
  return app;
}

async function loggedBody(req: HonoRequest): Promise<unknown> {
  if (!(req.header("content-type") ?? "").includes("json")) return undefined;
  const text = await req.text();
  return text ? redact(JSON.parse(text)) : undefined;
}
