import { Hono } from "hono";
import type { Env } from "../context.ts";
import { ownEntry } from "./lookup.ts";

/**
 * Stream delivery, standing in for `https://customer-<code>.cloudflarestream.com`: the lifecycle
 * endpoint answers a bare object, no envelope, no auth (docs/reference/cloudflare-api.md §1.6).
 */
export const deliveryRoutes = new Hono<Env>();

deliveryRoutes.get("/:customer/:uid/lifecycle", (c) => {
  const { data } = c.get("services").state;
  const known = c.req.param("customer") === `customer-${data.customerCode}`;
  const uid = c.req.param("uid");
  const input = known ? ownEntry(data.liveInputs, uid) : undefined;
  if (!input) return c.json({ isInput: false, videoUID: null, live: false }, 404);
  const live = input.currentVideoUid !== null;
  return c.json({ isInput: true, videoUID: input.currentVideoUid, live, status: input.state });
});
