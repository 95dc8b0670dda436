import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { callsRoutes } from "./routes.ts";
import { CallsStore } from "./store.ts";

/** Realtime (Calls) management: SFU apps and TURN keys over REST v4. */
export function callsService(deps: {
  state: StateFile;
  requirePermission: RequirePermission;
}): EmulatorService<CallsStore> {
  const store = new CallsStore(deps.state);
  return {
    store,
    mounts: [{ path: `${ACCOUNT_API}/calls`, routes: callsRoutes(store, deps.requirePermission) }],
  };
}
