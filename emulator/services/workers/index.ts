import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { workersRoutes } from "./routes.ts";
import { WorkersStore } from "./store.ts";
import { zoneWorkerRoutes } from "./zone-routes.ts";

/**
 * Workers: scripts, settings, secrets, schedules, workers.dev subdomains, Durable Object migrations,
 * and what else routes traffic to a script: zone routes and custom domains.
 */
export function workersService(deps: {
  state: StateFile;
  requirePermission: RequirePermission;
}): EmulatorService<WorkersStore> {
  const store = new WorkersStore(deps.state);
  return {
    store,
    mounts: [
      {
        path: `${ACCOUNT_API}/workers`,
        routes: workersRoutes({ store, requirePermission: deps.requirePermission }),
      },
      {
        path: "/client/v4/zones/:zone_id/workers/routes",
        routes: zoneWorkerRoutes({ store, requirePermission: deps.requirePermission }),
      },
    ],
  };
}
