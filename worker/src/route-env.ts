import type { RouteAuth } from "#contracts/api/routes.ts";
import type { AppEnv } from "./env.ts";
import type { RoomMemberEnv } from "./middleware/session-auth.ts";
import type { TenantAuthEnv } from "./middleware/tenant-auth.ts";
import type { InputEnv } from "./middleware/validate-input.ts";

/** What each kind of auth sets in the context, as its middleware declares it: nothing, for most. */
type AuthEnv = {
  none: unknown;
  tenant: TenantAuthEnv;
  session: RoomMemberEnv;
  webhook: unknown;
  room: RoomMemberEnv;
  probe: unknown;
};

/**
 * The context of a route with this auth: what the app-wide middleware sets, what its auth sets, and
 * its validated input. A tenant route has no `roomMember`, a session route no `credential`, an
 * unauthenticated route no `tenant`: reading one there does not compile. Middleware that reads
 * these declares the route context it runs in, so that mounting it behind another auth does not
 * compile either.
 */
export type RouteEnv<A extends RouteAuth> = AppEnv & AuthEnv[A] & InputEnv;
