import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { workersRoutes } from "./routes.ts";
import { WorkersStore } from "./store.ts";

/** Workers: scripts, settings, secrets, schedules, workers.dev subdomains and Durable Object migrations. */
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
    ],
  };
}
