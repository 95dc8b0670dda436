import type { Context, Hono, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type * as z from "zod/mini";
import type { ApiRoute } from "#contracts/api/routes.ts";
import type { AppEnv } from "./env.ts";
import { probeAuth } from "./middleware/probe-auth.ts";
import { roomAuth } from "./middleware/room-auth.ts";
import { sessionAuth } from "./middleware/session-auth.ts";
import { tenantAuth } from "./middleware/tenant-auth.ts";
import { webhookAuth } from "./middleware/webhook-auth.ts";
import { ok } from "./respond.ts";
import { parseOrThrow, readJson } from "./validate.ts";

type Output<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

export interface RouteInput<R extends ApiRoute> {
  params: Output<R["params"]>;
  query: Output<R["query"]>;
  body: Output<R["body"]>;
}

/** The route's `data`, sent in the envelope; or, for a route that `produces` something else, its Response. */
export type RouteHandler<R extends ApiRoute> = (
  c: Context<AppEnv>,
  input: RouteInput<R>,
) => Promise<RouteResult<R>> | RouteResult<R>;
type RouteResult<R extends ApiRoute> = R["produces"] extends string ? Response : z.input<R["data"]>;

const AUTH: Record<ApiRoute["auth"], MiddlewareHandler<AppEnv>[]> = {
  none: [],
  tenant: [tenantAuth],
  session: [sessionAuth],
  webhook: [webhookAuth],
  room: [roomAuth],
  probe: [probeAuth],
};

/** Validates the route's params, query and body with its contract schemas, in that order. */
function validate(route: ApiRoute): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("input", {
      params: route.params ? parseOrThrow(route.params, c.req.param(), "path") : undefined,
      query: route.query ? parseOrThrow(route.query, c.req.query(), "query") : undefined,
      body: route.body ? parseOrThrow(route.body, await readJson(c), "body") : undefined,
    });
    await next();
  });
}

/**
 * Registers a route of the contract table: its auth, then validation, then the route's own
 * middleware, then the handler, whose result goes out in the envelope with the route's status.
 * Auth comes first so that a caller without a credential learns nothing about valid input.
 */
export function mount<R extends ApiRoute>(
  app: Hono<AppEnv>,
  route: R,
  ...chain: [...MiddlewareHandler<AppEnv>[], RouteHandler<R>]
): void {
  const handler = chain.pop() as RouteHandler<R>;
  const middleware = chain as MiddlewareHandler<AppEnv>[];
  app.on(
    [route.method],
    [route.path, ...(route.aliases ?? [])],
    ...AUTH[route.auth],
    validate(route),
    ...middleware,
    async (c) => {
      const result = await handler(c, c.get("input") as RouteInput<R>);
      if (result instanceof Response) return result;
      const status = route.status as 200 | 201;
      return route.envelope === false ? c.json(result, status) : ok(c, result, status);
    },
  );
}
