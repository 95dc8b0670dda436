import type { Context, Hono } from "hono";
import type { Env } from "./env.ts";

/** A service's routes and where they are mounted. */
export interface Mount {
  /** E.g. `/client/v4/accounts/:account_id/stream/live_inputs`. */
  path: string;
  routes: Hono<Env>;
  /** The largest request body its routes take, when it is not the config's `bodyLimit` (Worker uploads). */
  bodyLimit?: number;
  /** Answers errors raised under `path` before its routes run (the body limit) in this API's own shape. */
  onError?: (err: unknown, c: Context) => Response;
}

/**
 * One emulated service: its store, the only code that changes the service's data, and its routes.
 * Services see each other only through the small interfaces they are built with.
 */
export interface EmulatorService<Store extends { reset(): void }> {
  store: Store;
  mounts: Mount[];
}

/** Where the account-scoped REST API v4 routes of every service are mounted. */
export const ACCOUNT_API = "/client/v4/accounts/:account_id";

/** Where the user's own REST API v4 routes are mounted: the emulated account has one user, its owner. */
export const USER_API = "/client/v4/user";
