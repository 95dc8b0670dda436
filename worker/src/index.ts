import { createApp } from "./app.ts";
import type { WorkerBindings } from "./env.ts";
import { refreshChannels } from "./refresh-channels.ts";

export { ChannelStatus } from "./durable/channel-status.ts";
export { Room } from "./durable/room.ts";
export { TenantBudget } from "./durable/tenant-budget.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  /** The status refresh cron trigger the Pulumi program declares. */
  scheduled(controller: ScheduledController, env: WorkerBindings, ctx: ExecutionContext): void {
    ctx.waitUntil(refreshChannels(env, controller.scheduledTime));
  },
};
