import type { Context, Hono, MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import type { ApiRoute, RouteAuth } from "#contracts/api/routes.ts";
import type { AppEnv } from "./env.ts";
import { probeAuth } from "./middleware/probe-auth.ts";
import { roomAuth } from "./middleware/room-auth.ts";
import { sessionAuth } from "./middleware/session-auth.ts";
import { tenantAuth } from "./middleware/tenant-auth.ts";
import { validateInput } from "./middleware/validate-input.ts";
import { webhookAuth } from "./middleware/webhook-auth.ts";
import { ok } from "./respond.ts";
import type { RouteEnv } from "./route-env.ts";

type Output<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

export interface RouteInput<R extends ApiRoute> {
  params: Output<R["params"]>;
  query: Output<R["query"]>;
  body: Output<R["body"]>;
}

const AUTH: Record<RouteAuth, MiddlewareHandler[]> = {
  none: [],
  tenant: [tenantAuth],
  session: [sessionAuth],
  webhook: [webhookAuth],
  room: [roomAuth],
  probe: [probeAuth],
};

/** The route's `data`, sent in the envelope; or, for a route that `produces` something else, its Response. */
export type RouteHandler<R extends ApiRoute> = (
  c: Context<RouteEnv<R["auth"]>>,
  input: RouteInput<R>,
) => Promise<RouteResult<R>> | RouteResult<R>;

type RouteResult<R extends ApiRoute> = R["produces"] extends string ? Response : z.input<R["data"]>;

/**
 * Registers a route of the contract table: its auth, then validation, then the route's own
 * middleware, then the handler, whose result goes out in the envelope with the route's status.
 * Auth comes first so that a caller without a credential learns nothing about valid input.
 */
export function mount<R extends ApiRoute>(
  app: Hono<AppEnv>,
  route: R,
  ...chain: [...MiddlewareHandler<RouteEnv<R["auth"]>>[], RouteHandler<R>]
): void {
  const handler = chain.pop() as RouteHandler<R>;
  // Typed at this function's boundary; Hono composes the chain whatever each part declares.
  const middleware = chain as MiddlewareHandler[];
  app.on(
    [route.method],
    [route.path, ...(route.aliases ?? [])],
    ...AUTH[route.auth],
    validateInput(route),
    ...middleware,
    async (c: Context) => {
      const result = await handler(c, c.get("input"));
      if (result instanceof Response) return result;
      const status = route.status as 200 | 201;
      return route.envelope === false ? c.json(result, status) : ok(c, result, status);
    },
  );
}
