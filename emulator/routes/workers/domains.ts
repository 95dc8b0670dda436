import { createHash } from "node:crypto";
import { Hono } from "hono";
import { type WorkerDomain, workerDomainWrite } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { cfErrors } from "../../errors.ts";
import { newTag } from "../../ids.ts";
import { cfOk } from "../../respond.ts";
import type { EmulatorData } from "../../state.ts";
import { jsonBody } from "../../validate.ts";
import { findOr404, ownEntry } from "../lookup.ts";

/** Older state files have no domains yet. */
function domainsOf(data: EmulatorData): Record<string, WorkerDomain> {
  data.workerDomains ??= {};
  return data.workerDomains;
}

/** No zone registry here: the zone is the hostname's last two labels, its id derived from the name. */
const zoneNameOf = (hostname: string) => hostname.split(".").slice(-2).join(".");
const zoneIdOf = (zoneName: string) => createHash("md5").update(`zone:${zoneName}`).digest("hex");

/**
 * An account's Worker custom domains: `/accounts/:account_id/workers/domains` (SDK
 * `client.workers.domains`). PUT attaches a hostname to a Worker, re-pointing it when the hostname
 * is attached already; there is no other update.
 */
export const domainRoutes = new Hono<Env>();

domainRoutes.put("/", requirePermission("Workers Scripts Write"), async (c) => {
  const body = await jsonBody(c, workerDomainWrite);
  const { state } = c.get("services");
  if (!ownEntry(state.data.scripts, body.service)) throw cfErrors.notFound("Worker");
  const domains = domainsOf(state.data);
  const zoneName = body.zone_name ?? zoneNameOf(body.hostname);
  const existing = Object.values(domains).find((d) => d.hostname === body.hostname);
  const domain: WorkerDomain = {
    id: existing?.id ?? newTag(),
    cert_id: existing?.cert_id ?? newTag(),
    environment: body.environment ?? "production",
    hostname: body.hostname,
    service: body.service,
    zone_id: body.zone_id ?? zoneIdOf(zoneName),
    zone_name: zoneName,
  };
  domains[domain.id] = domain;
  state.persist();
  return cfOk(c, domain);
});

domainRoutes.get("/", requirePermission("Workers Scripts Read"), (c) =>
  cfOk(c, Object.values(domainsOf(c.get("services").state.data))),
);

domainRoutes.get("/:domain_id", requirePermission("Workers Scripts Read"), (c) =>
  cfOk(c, findOr404(domainsOf(c.get("services").state.data), c.req.param("domain_id"), "Domain")),
);

domainRoutes.delete("/:domain_id", requirePermission("Workers Scripts Write"), (c) => {
  const { state } = c.get("services");
  const domain = findOr404(domainsOf(state.data), c.req.param("domain_id"), "Domain");
  delete domainsOf(state.data)[domain.id];
  state.persist();
  return cfOk(c, null);
});
