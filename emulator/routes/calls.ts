import { Hono } from "hono";
import { callsNameWrite } from "../../contracts/cloudflare/calls.ts";
import { requirePermission } from "../auth.ts";
import type { Env } from "../context.ts";
import { newHexSecret, newTag, now } from "../ids.ts";
import { cfOk } from "../respond.ts";
import type { EmulatorData, StoredCallsApp } from "../state.ts";
import { jsonBody } from "../validate.ts";
import { findOr404 } from "./lookup.ts";

/** What differs between SFU apps and TURN keys: where they live and what their secret is called. */
interface CallsKind {
  collection: "sfuApps" | "turnKeys";
  what: string;
  /** The response field that hands the secret out, on create only (docs/reference/cloudflare-api.md §3, §4). */
  secretField: "secret" | "key";
}

const publicView = ({ uid, name, created, modified }: StoredCallsApp) => ({ uid, name, created, modified });

/** Create (201, with the secret once), list, get, update name, delete (returns the deleted item). */
function callsResource({ collection, what, secretField }: CallsKind) {
  const routes = new Hono<Env>();
  const items = (data: EmulatorData) => data[collection];

  routes.post("/", requirePermission("Calls Write"), async (c) => {
    const body = await jsonBody(c, callsNameWrite);
    const { state } = c.get("services");
    const at = now();
    const item: StoredCallsApp = {
      uid: newTag(),
      name: body.name ?? "",
      created: at,
      modified: at,
      secret: newHexSecret(),
    };
    items(state.data)[item.uid] = item;
    state.persist();
    return cfOk(c, { ...publicView(item), [secretField]: item.secret }, 201);
  });

  routes.get("/", requirePermission("Calls Read"), (c) =>
    cfOk(c, Object.values(items(c.get("services").state.data)).map(publicView)),
  );

  routes.get("/:id", requirePermission("Calls Read"), (c) => {
    const item = findOr404(items(c.get("services").state.data), c.req.param("id"), what);
    return cfOk(c, publicView(item));
  });

  routes.put("/:id", requirePermission("Calls Write"), async (c) => {
    const { state } = c.get("services");
    const item = findOr404(items(state.data), c.req.param("id"), what);
    const body = await jsonBody(c, callsNameWrite);
    if (body.name !== undefined) item.name = body.name;
    item.modified = now();
    state.persist();
    return cfOk(c, publicView(item));
  });

  routes.delete("/:id", requirePermission("Calls Write"), (c) => {
    const { state } = c.get("services");
    const item = findOr404(items(state.data), c.req.param("id"), what);
    delete items(state.data)[item.uid];
    state.persist();
    return cfOk(c, publicView(item));
  });

  return routes;
}

/** Realtime SFU apps and TURN keys: `/accounts/:account_id/calls/{apps,turn_keys}` (docs/reference/cloudflare-api.md §3, §4). */
export const callsRoutes = new Hono<Env>();

callsRoutes.route("/apps", callsResource({ collection: "sfuApps", what: "App", secretField: "secret" }));
callsRoutes.route(
  "/turn_keys",
  callsResource({ collection: "turnKeys", what: "TURN key", secretField: "key" }),
);
