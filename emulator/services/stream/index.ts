import type { StatusShape } from "../../core/config.ts";
import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { deliveryRoutes } from "./delivery.ts";
import { liveInputRoutes } from "./routes.ts";
import { StreamStore } from "./store.ts";

/** Where Stream delivery is served, standing in for `customer-<code>.cloudflarestream.com`. */
const DELIVERY = "/delivery";

export interface StreamDeps {
  state: StateFile;
  requirePermission: RequirePermission;
  /** The emulator's own origin, for the URLs a live input hands out. */
  baseUrl: () => string;
  statusShape: () => StatusShape;
}

/** Stream: live inputs (REST v4) and their delivery endpoints. */
export function streamService(deps: StreamDeps): EmulatorService<StreamStore> {
  const store = new StreamStore(deps.state);
  const viewContext = () => ({
    deliveryBase: `${deps.baseUrl()}${DELIVERY}/customer-${store.customerCode}`,
    statusShape: deps.statusShape(),
  });
  return {
    store,
    mounts: [
      {
        path: `${ACCOUNT_API}/stream/live_inputs`,
        routes: liveInputRoutes(store, deps.requirePermission, viewContext),
      },
      { path: DELIVERY, routes: deliveryRoutes(store) },
    ],
  };
}
