import { Hono } from "hono/tiny";
import type { AppEnv } from "./env.ts";
import { accessLog } from "./middleware/access-log.ts";
import { limitBody } from "./middleware/body-limit.ts";
import { cors } from "./middleware/cors.ts";
import { notFound, onError } from "./middleware/errors.ts";
import { requestId } from "./middleware/request-id.ts";
import { channelRoutes } from "./routes/channels.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { dashboardTokenRoutes } from "./routes/dashboard-token.ts";
import { eventRoutes } from "./routes/events.ts";
import { healthzRoutes } from "./routes/healthz.ts";
import { joinRoutes } from "./routes/join.ts";
import { playbackTokenRoutes } from "./routes/playback-token.ts";
import { probeRoutes } from "./routes/probe.ts";
import { roomRoutes } from "./routes/rooms.ts";
import { sfuRoutes } from "./routes/sfu.ts";
import { streamRoutes } from "./routes/stream.ts";
import { turnRoutes } from "./routes/turn.ts";
import { webhookRoutes } from "./routes/webhook.ts";
import type { UpstreamOptions } from "./upstream/http.ts";

export interface AppOptions {
  /** Fetch, deadline and retry settings for every upstream client the routes make. */
  upstream?: UpstreamOptions;
}

/**
 * The Worker's HTTP API (docs/spec.md §5): shared middleware, then every route of the contract
 * table but the OpenAPI document, which is a static asset served before the Worker.
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, accessLog, cors, limitBody);
  app.onError(onError);
  app.notFound(notFound);
  healthzRoutes(app);
  streamRoutes(app);
  playbackTokenRoutes(app);
  turnRoutes(app, options.upstream);
  sfuRoutes(app, options.upstream);
  channelRoutes(app);
  eventRoutes(app);
  webhookRoutes(app);
  probeRoutes(app);
  joinRoutes(app, options.upstream);
  roomRoutes(app);
  dashboardTokenRoutes(app);
  dashboardRoutes(app);
  return app;
}
