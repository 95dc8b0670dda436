import { Hono } from "hono";
import type { EmulatorConfig } from "../../core/config.ts";
import type { Env } from "../../core/env.ts";
import type { CallsSecrets } from "../calls/store.ts";
import { realtimeErrorResponse, realtimeErrors } from "./errors.ts";
import { sfuRoutes } from "./sfu.ts";
import type { SfuOperations } from "./sfu-operations.ts";
import type { RealtimeStore } from "./store.ts";
import { turnRoutes } from "./turn.ts";

/** The Realtime API (rtc.live.cloudflare.com), mounted under `/v1`: no envelope, `errorCode` errors. */
export function realtimeRoutes({
  store,
  sfu,
  calls,
  turnServer,
}: {
  store: RealtimeStore;
  sfu: SfuOperations;
  calls: CallsSecrets;
  turnServer: () => EmulatorConfig["turnServer"];
}) {
  const routes = new Hono<Env>();
  routes.route("/turn/keys/:key_id/credentials", turnRoutes(store, calls, turnServer));
  routes.route("/apps/:appId", sfuRoutes(sfu, calls, store.sessionCalls));

  // A mounted app's notFound is not consulted by its parent, so unknown paths end here instead.
  routes.all("*", (c) => {
    throw realtimeErrors.notFound(`route ${c.req.method} ${c.req.path}`);
  });
  routes.onError(realtimeErrorResponse);
  return routes;
}
