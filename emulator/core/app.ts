import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { applyFault } from "./apply-fault.ts";
import type { EmulatorConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { CfHttpError, cfErrors } from "./errors.ts";
import type { FaultRules } from "./faults.ts";
import { type RequestLog, redact } from "./request-log.ts";
import { cfFail } from "./respond.ts";
import type { Mount } from "./service.ts";
import { parsedJson } from "./validate.ts";

/** Path segments that are credentials themselves (a TURN username in a revoke URL). */
const SECRET_PATH = /(\/credentials\/)[^/]+(\/revoke)$/;

export interface AppParts {
  config: EmulatorConfig;
  log: RequestLog;
  faults: FaultRules;
  /** Aborted when the emulator stops, so that hanging faults and delays end with it. */
  shutdown: AbortSignal;
  /** `/__emulator/*`: neither logged nor subject to faults. */
  admin: Hono<Env>;
  /** Every service's routes. */
  mounts: Mount[];
  /** Settles once the state file holds every change made so far (`StateFile.written`). */
  written: () => Promise<void>;
}

/** The emulator's HTTP surface: the request log, faults and the body limit around every service. */
export function createApp({ config, log, faults, shutdown, admin, mounts, written }: AppParts) {
  const app = new Hono<Env>();

  // A change is on disk before it is answered, as a change Cloudflare answered is kept. A read
  // waits too when others' changes are pending, for at most one coalesced write (state-file.ts).
  app.use("*", async (_c, next) => {
    await next();
    await written();
  });

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    if (c.req.path.startsWith("/__emulator")) return;
    log.add({
      time: new Date().toISOString(),
      method: c.req.method,
      path: c.req.path.replace(SECRET_PATH, "$1[redacted]$2"),
      query: c.req.query(),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      tokenId: c.get("tokenId") ?? null,
      body: await loggedBody(c).catch(() => undefined),
      ...(c.res.headers.get("x-emulator-fault") ? { fault: c.res.headers.get("x-emulator-fault")! } : {}),
    });
  });

  app.route("/__emulator", admin);

  app.use("*", async (c, next) => {
    const action = faults.match(c.req.method, c.req.path);
    if (!action) return next();
    return applyFault(c, action, next, shutdown);
  });

  // Shortest path first: where mounts nest (a service's route with its own limit), the innermost
  // one's middleware runs last and its limit is the one that holds.
  for (const mount of [...mounts].sort((a, b) => a.path.length - b.path.length)) {
    const limit = mount.bodyLimit;
    if (limit === undefined) continue;
    app.use(`${mount.path}/*`, async (c, next) => {
      c.set("bodyLimit", limit);
      await next();
    });
  }
  app.use("*", (c, next) => {
    const maxSize = c.get("bodyLimit") ?? config.bodyLimit;
    const limit = bodyLimit({
      maxSize,
      onError: () => {
        throw cfErrors.tooLarge(maxSize);
      },
    });
    return limit(c, next);
  });

  for (const mount of mounts) app.route(mount.path, mount.routes);

  app.notFound((c) => {
    const e = cfErrors.noRoute(c.req.path);
    return cfFail(c, 404, e.errors);
  });
  app.onError((err, c) => {
    const own = mounts.find((m) => m.onError && c.req.path.startsWith(`${m.path}/`));
    if (own?.onError) return own.onError(err, c);
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

/** A JSON body as logged: parsed once (by the handler, else here) and with its secrets redacted. */
async function loggedBody(c: Context<Env>): Promise<unknown> {
  if (!(c.req.header("content-type") ?? "").includes("json")) return undefined;
  const value = await parsedJson(c);
  return value === undefined ? undefined : redact(value);
}
