import { Hono } from "hono";
import { callsNameWrite } from "#contracts/cloudflare/calls.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import type { RequirePermission } from "../tokens/check.ts";
import type { CallsKind, CallsStore, StoredCallsApp } from "./store.ts";

const publicView = ({ uid, name, created, modified }: Readonly<StoredCallsApp>) => ({
  uid,
  name,
  created,
  modified,
});

/**
 * How many of each kind an account may hold. "Up to 1,000 TURN keys per account"
 * (developers.cloudflare.com/realtime/turn/replacing-existing/, docs/reference/cloudflare-api.md §4);
 * Cloudflare documents no limit on SFU apps (developers.cloudflare.com/realtime/sfu/limits/ lists
 * none), so none is enforced on them.
 */
const QUOTAS: Record<CallsKind, { limit: number; what: string } | undefined> = {
  sfuApps: undefined,
  turnKeys: { limit: 1000, what: "TURN keys" },
};

/**
 * Create (201, with the secret once), list, get, update name, delete (returns the deleted item).
 * `secretField` is the response field that hands the secret out, on create only (docs/reference/cloudflare-api.md §3, §4).
 */
function callsResource(
  store: CallsStore,
  requirePermission: RequirePermission,
  kind: CallsKind,
  secretField: "secret" | "key",
) {
  const routes = new Hono<Env>();

  routes.post("/", requirePermission("Calls Write"), async (c) => {
    const body = await jsonBody(c, callsNameWrite);
    const quota = QUOTAS[kind];
    if (quota && store.list(kind).length >= quota.limit) {
      throw cfErrors.quotaExceeded(`An account can have at most ${quota.limit} ${quota.what}`);
    }
    const item = store.create(kind, body.name ?? "");
    return cfOk(c, { ...publicView(item), [secretField]: item.secret }, 201);
  });

  routes.get("/", requirePermission("Calls Read"), (c) => cfOk(c, store.list(kind).map(publicView)));

  routes.get("/:id", requirePermission("Calls Read"), (c) =>
    cfOk(c, publicView(store.find(kind, c.req.param("id")))),
  );

  routes.put("/:id", requirePermission("Calls Write"), async (c) => {
    store.find(kind, c.req.param("id"));
    const body = await jsonBody(c, callsNameWrite);
    return cfOk(c, publicView(store.update(kind, c.req.param("id"), body.name)));
  });

  routes.delete("/:id", requirePermission("Calls Write"), (c) =>
    cfOk(c, publicView(store.delete(kind, c.req.param("id")))),
  );

  return routes;
}

/** Realtime SFU apps and TURN keys: `/accounts/:account_id/calls/{apps,turn_keys}` (docs/reference/cloudflare-api.md §3, §4). */
export function callsRoutes(store: CallsStore, requirePermission: RequirePermission) {
  const routes = new Hono<Env>();
  routes.route("/apps", callsResource(store, requirePermission, "sfuApps", "secret"));
  routes.route("/turn_keys", callsResource(store, requirePermission, "turnKeys", "key"));
  return routes;
}
