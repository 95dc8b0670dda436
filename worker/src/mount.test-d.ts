/**
 * A type-level test: `npm run typecheck` checks it (worker/tsconfig.json), nothing runs it. Each
 * route's context holds what its auth sets and nothing more, and middleware only mounts behind
 * the auth whose variables it reads. Every `@ts-expect-error` fails the check should the line
 * under it compile.
 */
import type { Hono } from "hono";
import { expectTypeOf } from "vitest";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { AppEnv } from "./env.ts";
import { limitMinting } from "./middleware/rate-limit.ts";
import { limitSessionCalls } from "./middleware/session-call-limit.ts";
import { mount } from "./mount.ts";
import type { SessionClaims } from "./session-token.ts";
import type { Tenant, TenantCredential } from "./tenants.ts";

declare const app: Hono<AppEnv>;
const typeOnly = () => {
  throw new Error("a type-level test never runs");
};

mount(app, API_ROUTES.streamChannels, (c) => {
  expectTypeOf(c.get("tenant")).toEqualTypeOf<Tenant>();
  expectTypeOf(c.get("credential")).toEqualTypeOf<TenantCredential>();
  // @ts-expect-error Tenant auth sets no room member: session and room auth do.
  c.get("roomMember");
  return typeOnly();
});

mount(app, API_ROUTES.sfuSessionGet, (c) => {
  expectTypeOf(c.get("tenant")).toEqualTypeOf<Tenant>();
  expectTypeOf(c.get("roomMember")).toEqualTypeOf<SessionClaims>();
  // @ts-expect-error Session auth sets no credential: the session token is the credential.
  c.get("credential");
  return typeOnly();
});

mount(app, API_ROUTES.roomSocket, (c) => {
  expectTypeOf(c.get("roomMember")).toEqualTypeOf<SessionClaims>();
  return typeOnly();
});

for (const route of [API_ROUTES.healthz, API_ROUTES.probeStatus, API_ROUTES.streamWebhook]) {
  mount(app, route, (c) => {
    expectTypeOf(c.get("requestId")).toEqualTypeOf<string>();
    // @ts-expect-error Neither no auth, the probe key nor the webhook secret names a tenant.
    c.get("tenant");
    return typeOnly();
  });
}

// Hono's context is invariant in its variables, so these two refuse any middleware declared for
// another route's context; the auth-specific ones above are what show which variable is missing.
// @ts-expect-error The session call limit is declared for a session route's context, not a tenant route's.
mount(app, API_ROUTES.turn, limitSessionCalls, typeOnly);
// @ts-expect-error The minting limits are declared for a tenant route's context, not a session route's.
mount(app, API_ROUTES.sfuTracksNew, limitMinting({ turn: false }), typeOnly);
