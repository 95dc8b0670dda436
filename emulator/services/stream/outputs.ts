import { Hono } from "hono";
import { liveInputOutputCreate, liveInputOutputUpdate } from "#contracts/cloudflare/stream.ts";
import type { Env } from "../../core/env.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { StoredOutput, StreamStore } from "./store.ts";

/** The Output object: `{uid, url, streamKey, enabled}`, the key in clear as Cloudflare answers it (§1.8). */
const outputView = ({ uid, url, streamKey, enabled }: Readonly<StoredOutput>) => ({
  uid,
  url,
  streamKey,
  enabled,
});

/**
 * A live input's outputs, `/accounts/:account_id/stream/live_inputs/:input/outputs`
 * (docs/reference/cloudflare-api.md §1.8): create, list, update `enabled`, delete. There is no GET
 * of one output, as on Cloudflare. What forwarding an enabled output does is the media plane's.
 */
export function outputRoutes(store: StreamStore, requirePermission: RequirePermission) {
  const routes = new Hono<Env>();

  routes.post("/:input/outputs", requirePermission("Stream Write"), async (c) => {
    const input = c.req.param("input");
    store.listOutputs(input);
    const body = await jsonBody(c, liveInputOutputCreate);
    return cfOk(c, outputView(store.createOutput(input, body)));
  });

  routes.get("/:input/outputs", requirePermission("Stream Read"), (c) =>
    cfOk(c, store.listOutputs(c.req.param("input")).map(outputView)),
  );

  routes.put("/:input/outputs/:output", requirePermission("Stream Write"), async (c) => {
    const { input, output } = c.req.param();
    store.listOutputs(input);
    const { enabled } = await jsonBody(c, liveInputOutputUpdate);
    return cfOk(c, outputView(store.updateOutput(input, output, enabled)));
  });

  routes.delete("/:input/outputs/:output", requirePermission("Stream Write"), (c) => {
    const { input, output } = c.req.param();
    store.deleteOutput(input, output);
    return cfOk(c, null);
  });

  return routes;
}
