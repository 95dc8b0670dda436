import type { EmulatorConfig } from "../../core/config.ts";
import type { EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { CallsSecrets } from "../calls/store.ts";
import type { SfuMedia } from "../media/sfu/plane.ts";
import { realtimeErrorResponse } from "./errors.ts";
import { realtimeRoutes } from "./routes.ts";
import { SfuOperations } from "./sfu-operations.ts";
import { RealtimeStore } from "./store.ts";

export interface RealtimeDeps {
  state: StateFile;
  /** The TURN keys and SFU apps the Calls API manages. */
  calls: CallsSecrets;
  /** The TURN shared secret on a fresh start; generated when absent. */
  turnSharedSecret?: string | undefined;
  turnServer: () => EmulatorConfig["turnServer"];
  /** The SFU's peer connections and forwarding. */
  media: SfuMedia;
  /** What the per-session call limit counts time with; injectable for tests. */
  clock?: () => number;
}

/**
 * The Realtime API (`/v1`, standing in for rtc.live.cloudflare.com): TURN credentials, SFU
 * sessions, tracks and DataChannels, whose media the media plane carries.
 */
export function realtimeService(deps: RealtimeDeps): EmulatorService<RealtimeStore> {
  const store = new RealtimeStore(deps.state, deps.calls, {
    turnSharedSecret: deps.turnSharedSecret,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const sfu = new SfuOperations(store, deps.media);
  return {
    store,
    mounts: [
      {
        path: "/v1",
        routes: realtimeRoutes({ store, sfu, calls: deps.calls, turnServer: deps.turnServer }),
        onError: realtimeErrorResponse,
      },
    ],
  };
}
