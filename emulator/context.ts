import type { FaultRules } from "./admin/faults.ts";
import type { RequestLog } from "./admin/request-log.ts";
import type { WebhookNotifier } from "./notify.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { EmulatorState, StoredToken } from "./state.ts";

/** The live-input `status` shape the emulator answers with (docs/reference/cloudflare-api.md §1.4): both exist in the wild. */
export type StatusShape = "string" | "object";

export interface EmulatorConfig {
  statusShape: StatusShape;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  rateLimit: { requests: number; windowSeconds: number };
  /** Where TURN credentials point, e.g. a local coturn. */
  turnServer: { host: string; port: number };
}

/** What every route reads: shared through Hono's context variables. */
export interface EmulatorServices {
  state: EmulatorState;
  config: EmulatorConfig;
  /** The config the emulator started with; reset goes back to it. */
  initialConfig: EmulatorConfig;
  faults: FaultRules;
  log: RequestLog;
  limiter: RateLimiter;
  notifier: WebhookNotifier;
  /** The emulator's own origin, e.g. http://127.0.0.1:8787, for URLs it hands out. */
  baseUrl: () => string;
  /** Aborted when the emulator stops, so that hanging faults and delays end with it. */
  shutdown: AbortSignal;
}

export type Env = {
  Variables: {
    services: EmulatorServices;
    token: StoredToken;
  };
};
