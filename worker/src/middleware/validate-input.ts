import { createMiddleware } from "hono/factory";
import type { ApiRoute } from "#contracts/api/routes.ts";
import { parseOrThrow, readJson } from "../validate.ts";

/**
 * What input validation sets: the matched route's params, query and body as its contract schemas
 * parsed them. Typed per route where the handler receives them (`mount`); middleware that reads
 * one field casts it.
 */
export type InputEnv = { Variables: { input: { params: unknown; query: unknown; body: unknown } } };

/** Validates the route's params, query and body with its contract schemas, in that order. */
export const validateInput = (route: ApiRoute) =>
  createMiddleware<InputEnv>(async (c, next) => {
    c.set("input", {
      params: route.params ? parseOrThrow(route.params, c.req.param(), "path") : undefined,
      query: route.query ? parseOrThrow(route.query, c.req.query(), "query") : undefined,
      body: route.body ? parseOrThrow(route.body, await readJson(c), "body") : undefined,
    });
    await next();
  });
