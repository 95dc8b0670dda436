import type { PlainBinding, SecretBinding } from "../../contracts/worker/bindings.ts";
import type { ChannelStatus } from "./durable/channel-status.ts";
import type { RateLimiter } from "./durable/rate-limiter.ts";
import type { Room } from "./durable/room.ts";
import type { Tenant, TenantCredential } from "./middleware/tenant-auth.ts";
import type { SessionClaims } from "./session-token.ts";

/**
 * What the runtime hands the Worker. The plain and secret bindings are typed `unknown` on purpose:
 * they come from outside (the Pulumi program, wrangler, tests) and config.ts validates them.
 */
export type WorkerBindings = Partial<Record<PlainBinding | SecretBinding, unknown>> & {
  CHANNEL_STATUS: DurableObjectNamespace<ChannelStatus>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  ROOM: DurableObjectNamespace<Room>;
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
