import type { StatusShape } from "../../core/config.ts";
import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { deliveryRoutes } from "./delivery.ts";
import { outputRoutes } from "./outputs.ts";
import { playbackResolver, type ResolvePlayback } from "./playback-access.ts";
import { liveInputRoutes } from "./routes.ts";
import { signingKeyRoutes } from "./signing-keys.ts";
import { StreamStore } from "./store.ts";
import { videoRoutes } from "./videos.ts";
import { CLOUDFLARE_INGEST, type IngestUrls } from "./views.ts";

/** Where Stream delivery is served, standing in for `customer-<code>.cloudflarestream.com`. */
const DELIVERY = "/delivery";

export interface StreamDeps {
  state: StateFile;
  requirePermission: RequirePermission;
  /** The emulator's own origin, for the URLs a live input hands out. */
  baseUrl: () => string;
  statusShape: () => StatusShape;
  /** Where broadcasters connect: the local media plane's addresses while it runs, else Cloudflare's. */
  ingestUrls?: () => IngestUrls | undefined;
  /** An input's live viewers, counted by the media plane where players fetch; none without it. */
  liveViewers?: (uid: string) => number;
}

export interface StreamService extends EmulatorService<StreamStore> {
  /** The delivery host's signed-URL check, for every delivery path (the media plane's too). */
  resolvePlayback: ResolvePlayback;
}

/** Stream: live inputs, their recordings and signing keys (REST v4), and their delivery endpoints. */
export function streamService(deps: StreamDeps): StreamService {
  const store = new StreamStore(deps.state);
  const resolvePlayback = playbackResolver(store, store.signingKeys);
  const deliveryBase = () => `${deps.baseUrl()}${DELIVERY}/customer-${store.customerCode}`;
  const viewContext = () => ({
    deliveryBase: deliveryBase(),
    statusShape: deps.statusShape(),
    ingest: deps.ingestUrls?.() ?? CLOUDFLARE_INGEST,
  });
  return {
    store,
    resolvePlayback,
    mounts: [
      {
        path: `${ACCOUNT_API}/stream/keys`,
        routes: signingKeyRoutes(store.signingKeys, deps.requirePermission),
      },
      {
        path: `${ACCOUNT_API}/stream/live_inputs`,
        routes: liveInputRoutes(store, deps.requirePermission, viewContext),
      },
      { path: `${ACCOUNT_API}/stream/live_inputs`, routes: outputRoutes(store, deps.requirePermission) },
      // After live_inputs, so that `/stream/live_inputs` is never read as a video id.
      { path: `${ACCOUNT_API}/stream`, routes: videoRoutes(store, deps.requirePermission, deliveryBase) },
      { path: DELIVERY, routes: deliveryRoutes(store, resolvePlayback, deps.liveViewers ?? (() => 0)) },
    ],
  };
}
