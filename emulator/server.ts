import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { FaultRules } from "./admin/faults.ts";
import { RequestLog } from "./admin/request-log.ts";
import { createApp } from "./app.ts";
import type { EmulatorConfig, EmulatorServices } from "./context.ts";
import { WebhookNotifier } from "./notify.ts";
import { RateLimiter } from "./rate-limit.ts";
import { EmulatorState, type SeedOptions } from "./state.ts";

export interface EmulatorOptions extends SeedOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Persist state to this JSON file and load it on start. */
  stateFile?: string;
  config?: Partial<EmulatorConfig>;
  /** Used to deliver notification webhooks. */
  fetch?: typeof fetch;
  /** Fault rule dice, injectable for deterministic tests. */
  random?: () => number;
}

export interface RunningEmulator {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Cloudflare REST base, `${url}/client/v4`, for `baseURL` of SDKs and providers. */
  apiBase: string;
  /** Realtime API base, standing in for `https://rtc.live.cloudflare.com/v1`. */
  realtimeBase: string;
  accountId: string;
  adminToken: string;
  services: EmulatorServices;
  close(): Promise<void>;
}

const DEFAULT_CONFIG: EmulatorConfig = {
  statusShape: "string",
  bodyLimit: 1024 * 1024,
  rateLimit: { requests: 1200, windowSeconds: 300 },
  turnServer: { host: "127.0.0.1", port: 3478 },
};

/** Starts the emulator on 127.0.0.1 (by default) and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const state = new EmulatorState(options, options.stateFile);
  const config: EmulatorConfig = { ...DEFAULT_CONFIG, ...options.config };
  const shutdown = new AbortController();
  let origin = "";
  const services: EmulatorServices = {
    state,
    config,
    initialConfig: structuredClone(config),
    faults: new FaultRules(options.random),
    log: new RequestLog(),
    limiter: new RateLimiter(() => config.rateLimit),
    notifier: new WebhookNotifier(state, options.fetch),
    baseUrl: () => origin,
    shutdown: shutdown.signal,
  };
  const app = createApp(services);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;
  return {
    url: origin,
    apiBase: `${origin}/client/v4`,
    realtimeBase: `${origin}/v1`,
    accountId: state.data.accountId,
    adminToken: state.adminToken,
    services,
    close: async () => {
      shutdown.abort();
      await services.notifier.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      state.persist();
    },
  };
}
