import type { Plan } from "../../core/config.ts";
import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { AssetUploads, BUCKET_BASE64_BYTES } from "./asset-uploads.ts";
import { assetUploadRoutes } from "./assets.ts";
import { SCRIPT_BYTES } from "./limits.ts";
import { workersRoutes } from "./routes.ts";
import { WorkersStore } from "./store.ts";
import { zoneWorkerRoutes } from "./zone-routes.ts";

/**
 * Workers: scripts, settings, secrets, schedules, static assets, workers.dev subdomains, Durable
 * Object migrations, and what else routes traffic to a script: zone routes and custom domains.
 */
export function workersService(deps: {
  state: StateFile;
  requirePermission: RequirePermission;
  plan: () => Plan;
}): EmulatorService<WorkersStore> {
  const store = new WorkersStore(deps.state);
  const routeDeps = {
    store,
    requirePermission: deps.requirePermission,
    plan: deps.plan,
    assetUploads: new AssetUploads(store),
  };
  return {
    store,
    mounts: [
      {
        path: `${ACCOUNT_API}/workers`,
        routes: workersRoutes(routeDeps),
        // An upload up to Cloudflare's script size limit must reach the size check, which answers
        // over it as Cloudflare does (10027); the room beyond is for the metadata part and the
        // multipart framing.
        bodyLimit: SCRIPT_BYTES + 1024 * 1024,
      },
      {
        path: `${ACCOUNT_API}/workers/assets/upload`,
        routes: assetUploadRoutes(routeDeps),
        // A bucket is at most BUCKET_BASE64_BYTES of base64 text; the room beyond is for the
        // framing of its parts, whose file names are paths on the uploader's host.
        bodyLimit: BUCKET_BASE64_BYTES + 1024 * 1024,
      },
      {
        path: "/client/v4/zones/:zone_id/workers/routes",
        routes: zoneWorkerRoutes(routeDeps),
      },
    ],
  };
}
