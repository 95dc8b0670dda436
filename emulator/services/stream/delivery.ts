import { Hono } from "hono";
import type { Env } from "../../core/env.ts";
import type { StreamStore } from "./store.ts";

/**
 * Stream delivery, standing in for `https://customer-<code>.cloudflarestream.com`: the lifecycle
 * endpoint answers a bare object, no envelope, no auth (docs/reference/cloudflare-api.md §1.6).
 */
export function deliveryRoutes(store: StreamStore) {
  const routes = new Hono<Env>();

  routes.get("/:customer/:uid/lifecycle", (c) => {
    const known = c.req.param("customer") === `customer-${store.customerCode}`;
    const input = known ? store.get(c.req.param("uid")) : undefined;
    if (!input) return c.json({ isInput: false, videoUID: null, live: false }, 404);
    const live = input.currentVideoUid !== null;
    return c.json({ isInput: true, videoUID: input.currentVideoUid, live, status: input.state });
  });

  return routes;
}
