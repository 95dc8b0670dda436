import { Hono } from "hono";
import * as z from "zod";
import { type EmulatorConfig, PLANS } from "../core/config.ts";
import type { Env } from "../core/env.ts";
import { cfErrors } from "../core/errors.ts";
import { type FaultRules, faultRuleInput } from "../core/faults.ts";
import type { RateLimiter } from "../core/rate-limit.ts";
import { type RequestLog, redact } from "../core/request-log.ts";
import { cfOk } from "../core/respond.ts";
import { jsonBody } from "../core/validate.ts";
import type { WebhookNotifier } from "../services/notifications/notifier.ts";
import type { StreamStore } from "../services/stream/store.ts";
import type { TokenCheck } from "../services/tokens/check.ts";

/** What the admin surface acts on: the stores only through their public methods. */
export interface AdminDeps {
  /** Admin calls need the bootstrap admin token. */
  check: Pick<TokenCheck, "authenticate">;
  /** Back to an empty account in every store. */
  resetStores: () => void;
  /** Everything the stores hold, secrets included (redacted here). */
  snapshot: () => unknown;
  stream: Pick<StreamStore, "setConnectionState">;
  notifier: Pick<WebhookNotifier, "flush">;
  config: EmulatorConfig;
  /** The config the emulator started with; reset goes back to it. */
  initialConfig: EmulatorConfig;
  faults: FaultRules;
  log: RequestLog;
  limiter: RateLimiter;
}

const stateChange = z.object({
  /** Cloudflare's state string (e.g. `connected`, `client_disconnect`), or null for "never connected". */
  state: z.string().min(1).max(64).nullable(),
  /** Makes the change an `errored` notification with this error. */
  error: z.object({ code: z.string().min(1), message: z.string() }).optional(),
});

const configPatch = z.object({
  statusShape: z.enum(["string", "object"]).optional(),
  plan: z.enum(PLANS).optional(),
  rateLimit: z
    .object({ requests: z.int().min(1).max(1_000_000), windowSeconds: z.int().min(1).max(86_400) })
    .optional(),
});

/**
 * `/__emulator/*`: test and operator controls. Guarded by the admin token, since reset and
 * faults would let anyone on the machine break a running environment.
 */
export function adminRoutes(deps: AdminDeps) {
  const { config, faults, log, limiter } = deps;
  const routes = new Hono<Env>();

  routes.use("*", async (c, next) => {
    const token = deps.check.authenticate(c.req.header("authorization"));
    if (!token.superAdmin) throw cfErrors.forbidden();
    await next();
  });

  routes.post("/reset", (c) => {
    deps.resetStores();
    Object.assign(config, structuredClone(deps.initialConfig));
    faults.clear();
    log.clear();
    limiter.reset();
    return cfOk(c, { reset: true });
  });

  routes.get("/requests", (c) => {
    const { method, path, since } = c.req.query();
    const filter = {
      ...(method ? { method } : {}),
      ...(path ? { path } : {}),
      ...(since && /^\d+$/.test(since) ? { since: Number(since) } : {}),
    };
    return cfOk(c, log.list(filter));
  });

  routes.delete("/requests", (c) => {
    log.clear();
    return cfOk(c, { cleared: true });
  });

  routes.get("/faults", (c) => cfOk(c, faults.list()));

  routes.post("/faults", async (c) => {
    const rule = await jsonBody(c, faultRuleInput);
    return cfOk(c, faults.add(rule), 201);
  });

  routes.delete("/faults", (c) => {
    faults.clear();
    return cfOk(c, { cleared: true });
  });

  routes.delete("/faults/:id", (c) => {
    if (!faults.remove(c.req.param("id"))) throw cfErrors.notFound("Fault rule");
    return cfOk(c, { removed: c.req.param("id") });
  });

  /** A broadcaster connects, drops or fails: the input's state changes and notification webhooks fire. */
  routes.post("/live_inputs/:uid/status", async (c) => {
    const body = await jsonBody(c, stateChange);
    const input = deps.stream.setConnectionState(c.req.param("uid"), body.state, body.error);
    return cfOk(c, { uid: input.uid, state: input.state });
  });

  /**
   * Each token's use of its API budget, for tests that assert the limit was never exceeded and
   * benches that print the peak: the policy, then per token id the requests of its current window,
   * the most calls in any sliding window since start or reset, its 429s, and the end of its block.
   */
  routes.get("/rate_limit", (c) => cfOk(c, { policy: config.rateLimit, tokens: limiter.counters() }));

  routes.get("/config", (c) => cfOk(c, config));

  routes.patch("/config", async (c) => {
    const patch = await jsonBody(c, configPatch);
    Object.assign(config, patch);
    if (patch.rateLimit) limiter.reset();
    return cfOk(c, config);
  });

  /** Everything the emulator holds, with every secret value redacted. */
  routes.get("/state", (c) => cfOk(c, redact(deps.snapshot())));

  /** Waits until every webhook delivery started so far has finished (for tests). */
  routes.post("/webhooks/flush", async (c) => {
    await deps.notifier.flush();
    return cfOk(c, { flushed: true });
  });

  return routes;
}
