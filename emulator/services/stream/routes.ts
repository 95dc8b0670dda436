import { type Context, Hono } from "hono";
import * as z from "zod";
import { liveInputWrite } from "#contracts/cloudflare/stream.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { StoredLiveInput, StreamStore } from "./store.ts";
import { type LiveInputViewContext, liveInputView } from "./views.ts";

const liveInputId = z.string().max(32);

/** Stream live inputs: `/accounts/:account_id/stream/live_inputs` (docs/reference/cloudflare-api.md §1). */
export function liveInputRoutes(
  store: StreamStore,
  requirePermission: RequirePermission,
  viewContext: () => LiveInputViewContext,
) {
  const routes = new Hono<Env>();
  const view = (input: Readonly<StoredLiveInput>) => liveInputView(input, viewContext());
  /** The id in the path; one that cannot be a live input's is Cloudflare's 404 like an unknown one. */
  const uidOf = (c: Context<Env>) => {
    const id = c.req.param("live_input_identifier") ?? "";
    if (!liveInputId.safeParse(id).success) throw cfErrors.notFound("Live input");
    return id;
  };

  routes.post("/", requirePermission("Stream Write"), async (c) => {
    const body = await jsonBody(c, liveInputWrite);
    return cfOk(c, view(store.create(body)));
  });

  routes.get("/", requirePermission("Stream Read"), (c) => {
    const liveInputs = store
      .list()
      .map(({ uid, created, modified, meta, deleteRecordingAfterDays, enabled }) => ({
        uid,
        created,
        modified,
        meta,
        deleteRecordingAfterDays,
        enabled,
      }));
    return cfOk(c, { liveInputs, range: liveInputs.length, total: liveInputs.length });
  });

  routes.get("/:live_input_identifier", requirePermission("Stream Read"), (c) =>
    cfOk(c, view(store.find(uidOf(c)))),
  );

  routes.put("/:live_input_identifier", requirePermission("Stream Write"), async (c) => {
    const uid = store.find(uidOf(c)).uid;
    const body = await jsonBody(c, liveInputWrite);
    return cfOk(c, view(store.update(uid, body)));
  });

  routes.delete("/:live_input_identifier", requirePermission("Stream Write"), (c) => {
    store.delete(uidOf(c));
    return cfOk(c, null);
  });

  routes.post("/:live_input_identifier/rotate_keys", requirePermission("Stream Write"), (c) =>
    cfOk(c, view(store.rotateKeys(uidOf(c)))),
  );

  return routes;
}
