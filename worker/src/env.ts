import type { ConfigBindings } from "./config.ts";
import type { ChannelStatus } from "./durable/channel-status.ts";
import type { Room } from "./durable/room.ts";
import type { TenantBudget } from "./durable/tenant-budget.ts";
import type { SessionClaims } from "./session-token.ts";
import type { Tenant, TenantCredential } from "./tenants.ts";

/** What the runtime hands the Worker. */
export type WorkerBindings = ConfigBindings & {
  CHANNEL_STATUS: DurableObjectNamespace<ChannelStatus>;
  ROOM: DurableObjectNamespace<Room>;
  TENANT_BUDGET: DurableObjectNamespace<TenantBudget>;
};

export type AppEnv = {
  Bindings: WorkerBindings;
  Variables: {
    requestId: string;
    /** Set by tenant or session auth. */
    tenant: Tenant;
    /** Set by tenant auth: what the caller proved it holds. */
    credential: TenantCredential;
    /** Set by room and session auth: the session token's claims. */
    roomMember: SessionClaims;
    /** The validated params, query and body of the matched route. */
    input: { params: unknown; query: unknown; body: unknown };
  };
};
