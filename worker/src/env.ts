import type { ConfigBindings } from "./config.ts";
import type { ChannelStatus } from "./durable/channel-status.ts";
import type { Room } from "./durable/room.ts";
import type { TenantBudget } from "./durable/tenant-budget.ts";
import type { RequestIdEnv } from "./middleware/request-id.ts";

/** What the runtime hands the Worker. */
export type WorkerBindings = ConfigBindings & {
  CHANNEL_STATUS: DurableObjectNamespace<ChannelStatus>;
  ROOM: DurableObjectNamespace<Room>;
  TENANT_BUDGET: DurableObjectNamespace<TenantBudget>;
};

/**
 * What every request's context holds, whatever its route: the bindings and the request id, set by
 * the app-wide middleware. What a route's auth sets is declared by that middleware (Hono's pattern)
 * and added by `mount` for the routes that use it, so that reading another auth's variable does
 * not compile.
 */
export type AppEnv = { Bindings: WorkerBindings } & RequestIdEnv;
