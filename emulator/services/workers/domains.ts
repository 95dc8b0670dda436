import { createHash } from "node:crypto";
import { Hono } from "hono";
import { type WorkerDomain, workerDomainWrite } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { newTag } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";

/** No zone registry here: the zone is the hostname's last two labels, its id derived from the name. */
const zoneNameOf = (hostname: string) => hostname.split(".").slice(-2).join(".");
const zoneIdOf = (zoneName: string) => createHash("md5").update(`zone:${zoneName}`).digest("hex");

/**
 * An account's Worker custom domains: `/accounts/:account_id/workers/domains` (SDK
 * `client.workers.domains`). PUT attaches a hostname to a Worker, re-pointing it when the hostname
 * is attached already; there is no other update.
 */
export function domainRoutes({ store, requirePermission }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
    const body = await jsonBody(c, workerDomainWrite);
    store.find(body.service);
    const zoneName = body.zone_name ?? zoneNameOf(body.hostname);
    const existing = store.domainFor(body.hostname);
    const domain: WorkerDomain = {
      id: existing?.id ?? newTag(),
      cert_id: existing?.cert_id ?? newTag(),
      environment: body.environment ?? "production",
      hostname: body.hostname,
      service: body.service,
      zone_id: body.zone_id ?? zoneIdOf(zoneName),
      zone_name: zoneName,
    };
    store.putDomain(domain);
    return cfOk(c, domain);
  });

  routes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, store.listDomains()));

  routes.get("/:domain_id", requirePermission(WORKERS_READ), (c) =>
    cfOk(c, store.findDomain(c.req.param("domain_id"))),
  );

  routes.delete("/:domain_id", requirePermission(WORKERS_WRITE), (c) => {
    store.deleteDomain(c.req.param("domain_id"));
    return cfOk(c, null);
  });

  return routes;
}
