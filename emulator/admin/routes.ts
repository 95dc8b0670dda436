import { Hono } from "hono";
import * as z from "zod";
import { authenticate } from "../auth.ts";
import type { Env } from "../context.ts";
import { cfErrors } from "../errors.ts";
import { setConnectionState } from "../live-inputs.ts";
import { cfOk } from "../respond.ts";
import { findOr404 } from "../routes/lookup.ts";
import { jsonBody } from "../validate.ts";
import { faultRuleInput } from "./faults.ts";
import { redact } from "./request-log.ts";

/**
 * `/__emulator/*`: test and operator controls. Guarded by the admin token, since reset and
 * faults would let anyone on the machine break a running environment.
 */
export const adminRoutes = new Hono<Env>();

adminRoutes.use("*", async (c, next) => {
  const services = c.get("services");
  const token = authenticate(c.req.header("authorization"), (v) => services.state.tokenByValue(v));
  if (!token.superAdmin) throw cfErrors.forbidden();
  await next();
});

adminRoutes.post("/reset", (c) => {
  const s = c.get("services");
  s.state.reset();
  Object.assign(s.config, structuredClone(s.initialConfig));
  s.faults.clear();
  s.log.clear();
  s.limiter.reset();
  return cfOk(c, { reset: true });
});

adminRoutes.get("/requests", (c) => {
  const since = c.req.query("since");
  const filter = {
    ...(c.req.query("method") ? { method: c.req.query("method") } : {}),
    ...(c.req.query("path") ? { path: c.req.query("path") } : {}),
    ...(since && /^\d+$/.test(since) ? { since: Number(since) } : {}),
  };
  return cfOk(c, c.get("services").log.list(filter));
});

adminRoutes.delete("/requests", (c) => {
  c.get("services").log.clear();
  return cfOk(c, { cleared: true });
});

adminRoutes.get("/faults", (c) => cfOk(c, c.get("services").faults.list()));

adminRoutes.post("/faults", async (c) => {
  const rule = await jsonBody(c, faultRuleInput);
  return cfOk(c, c.get("services").faults.add(rule), 201);
});

adminRoutes.delete("/faults", (c) => {
  c.get("services").faults.clear();
  return cfOk(c, { cleared: true });
});

adminRoutes.delete("/faults/:id", (c) => {
  if (!c.get("services").faults.remove(c.req.param("id"))) throw cfErrors.notFound("Fault rule");
  return cfOk(c, { removed: c.req.param("id") });
});

const stateChange = z.object({
  /** Cloudflare's state string (e.g. `connected`, `client_disconnect`), or null for "never connected". */
  state: z.string().min(1).max(64).nullable(),
  /** Makes the change an `errored` notification with this error. */
  error: z.object({ code: z.string().min(1), message: z.string() }).optional(),
});

adminRoutes.post("/live_inputs/:uid/status", async (c) => {
  const body = await jsonBody(c, stateChange);
  const s = c.get("services");
  const input = findOr404(s.state.data.liveInputs, c.req.param("uid"), "Live input");
  setConnectionState(s, input, body.state, body.error);
  return cfOk(c, { uid: input.uid, state: input.state });
});

const configPatch = z.object({
  statusShape: z.enum(["string", "object"]).optional(),
  rateLimit: z
    .object({ requests: z.int().min(1).max(1_000_000), windowSeconds: z.int().min(1).max(86_400) })
    .optional(),
});

adminRoutes.get("/config", (c) => cfOk(c, c.get("services").config));

adminRoutes.patch("/config", async (c) => {
  const patch = await jsonBody(c, configPatch);
  const s = c.get("services");
  Object.assign(s.config, patch);
  if (patch.rateLimit) s.limiter.reset();
  return cfOk(c, s.config);
});

/** Everything the emulator holds, with every secret value redacted. */
adminRoutes.get("/state", (c) => cfOk(c, redact(c.get("services").state.data)));

/** Waits until every webhook delivery started so far has finished (for tests). */
adminRoutes.post("/webhooks/flush", async (c) => {
  await c.get("services").notifier.flush();
  return cfOk(c, { flushed: true });
});
