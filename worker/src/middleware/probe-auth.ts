import { createMiddleware } from "hono/factory";
import { verifyProbeKey } from "#contracts/probe-key.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { bearerOf, invalidCredential, missingCredential } from "../request-credentials.ts";
import { verifyWithEither } from "../signing-slots.ts";

/**
 * `Authorization: Bearer <probe key>`: the stack's probe key of the current or previous generation,
 * derived from either signing slot (signing-slots.ts).
 * It names no tenant, so the routes behind it reach no tenant's data; a tenant's key is not one.
 */
export const probeAuth = createMiddleware<{ Bindings: WorkerBindings }>(async (c, next) => {
  const config = requireConfig(c.env, NEEDS.probeAuth);
  const bearer = bearerOf(c);
  if (!bearer) throw missingCredential("Send Authorization: Bearer <the stack's probe key>");
  // verifyWithEither looks for the first defined result, so a refusal from one slot is undefined.
  const genuine = await verifyWithEither(config, async (secret) =>
    (await verifyProbeKey(secret, config.STACK, config.TENANT_KEY_GENERATION, bearer)) ? true : undefined,
  );
  if (!genuine) throw invalidCredential("probe key");
  await next();
});
