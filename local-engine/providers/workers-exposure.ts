import * as z from "zod";
import { workerDomain, workerRoute } from "#contracts/cloudflare/workers.ts";
import { accountPath, type LocalProvider, type Props } from "../provider.ts";

const routesPath = (inputs: Props, id = "") =>
  `/zones/${String(inputs.zoneId)}/workers/routes${id ? `/${id}` : ""}`;

const routeBody = (inputs: Props) => ({
  pattern: inputs.pattern,
  ...(inputs.script !== undefined ? { script: inputs.script } : {}),
});

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_route/resource.go (and
// schema.go): POST creates, PUT on the route's id updates pattern and script, another zone replaces.
export const workersRoute: LocalProvider = {
  replaceOn: ["zoneId"],
  async create(inputs, api) {
    const r = await api.call("POST", routesPath(inputs), workerRoute, routeBody(inputs));
    return { id: r.id, outputs: { ...inputs } };
  },
  async update(id, inputs, api) {
    await api.call("PUT", routesPath(inputs, id), workerRoute, routeBody(inputs));
    return { ...inputs };
  },
  async delete(id, props, api) {
    await api.call("DELETE", routesPath(props, id), z.unknown());
  },
};

const domainsPath = (inputs: Props, id = "") => `${accountPath(inputs)}/workers/domains${id ? `/${id}` : ""}`;

// Mirrors terraform-provider-cloudflare v5.22.0 internal/services/workers_custom_domain/resource.go (and
// schema.go): create is a PUT of the whole domain, Update calls nothing, and a new account, hostname
// or service (zone and environment when set) replaces it; delete goes by the domain's id.
export const workersCustomDomain: LocalProvider = {
  replaceOn: ["accountId", "hostname", "service", "zoneId", "environment"],
  async create(inputs, api) {
    const r = await api.call("PUT", domainsPath(inputs), workerDomain, {
      hostname: inputs.hostname,
      service: inputs.service,
      ...(inputs.zoneId !== undefined ? { zone_id: inputs.zoneId } : {}),
      ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
    });
    return {
      id: r.id,
      outputs: {
        ...inputs,
        zoneId: r.zone_id,
        zoneName: r.zone_name,
        environment: r.environment,
        certId: r.cert_id,
      },
    };
  },
  async update(_id, inputs) {
    return { ...inputs };
  },
  async delete(id, props, api) {
    await api.call("DELETE", domainsPath(props, id), z.unknown());
  },
};
