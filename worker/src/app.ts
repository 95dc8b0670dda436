import { Hono } from "hono/tiny";
import type { AppEnv } from "./env.ts";
import { accessLog } from "./middleware/access-log.ts";
import { limitBody } from "./middleware/body-limit.ts";
import { cors } from "./middleware/cors.ts";
import { notFound, onError } from "./middleware/errors.ts";
import { requestId } from "./middleware/request-id.ts";
import { healthzRoutes } from "./routes/healthz.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { sfuRoutes } from "./routes/sfu.ts";
import { streamRoutes } from "./routes/stream.ts";
import { turnRoutes } from "./routes/turn.ts";

/** The Worker's HTTP API (SPEC §5): shared middleware, then every route of the contract table. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId, accessLog, cors, limitBody);
  app.onError(onError);
  app.notFound(notFound);
  healthzRoutes(app);
  openApiRoutes(app);
  streamRoutes(app);
  turnRoutes(app);
  sfuRoutes(app);
  return app;
}
