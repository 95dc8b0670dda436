import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { adminRoutes } from "./admin/routes.ts";
import { loadAccountId } from "./core/account.ts";
import { createApp } from "./core/app.ts";
import { DEFAULT_CONFIG, type EmulatorConfig } from "./core/config.ts";
import { FaultRules } from "./core/faults.ts";
import { RateLimiter } from "./core/rate-limit.ts";
import { RequestLog } from "./core/request-log.ts";
import { StateFile } from "./core/state-file.ts";
import { callsService } from "./services/calls/index.ts";
import type { CallsStore } from "./services/calls/store.ts";
import { type MediaOptions, type MediaPlane, mediaService } from "./services/media/index.ts";
import { sfuMediaService } from "./services/media/sfu/index.ts";
import type { SfuMediaOptions, SfuMediaPlane } from "./services/media/sfu/plane.ts";
import type { MediaStore } from "./services/media/store.ts";
import { notificationsService } from "./services/notifications/index.ts";
import type { NotificationStore } from "./services/notifications/store.ts";
import { realtimeService } from "./services/realtime/index.ts";
import type { RealtimeStore } from "./services/realtime/store.ts";
import { streamService } from "./services/stream/index.ts";
import type { StreamStore } from "./services/stream/store.ts";
import { tokensService } from "./services/tokens/index.ts";
import type { TokenStore } from "./services/tokens/store.ts";
import { workersService } from "./services/workers/index.ts";
import type { WorkersStore } from "./services/workers/store.ts";

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Persist state to this JSON file and load it on start. */
  stateFile?: string;
  /**
   * The origin live inputs name as their delivery host (WHIP and WHEP URLs, lifecycle); by default
   * where this emulator listens. Every live input of one account shares one delivery host, so a
   * sandbox copy of a running emulator (the local engine's preview) names the running one's.
   */
  deliveryOrigin?: string;
  /** On a fresh start (no state file yet): the account id, admin token value and TURN shared secret. */
  accountId?: string;
  adminToken?: string;
  turnSharedSecret?: string;
  config?: Partial<EmulatorConfig>;
  /** Used to deliver notification webhooks. */
  fetch?: typeof fetch;
  /** Fault rule dice, injectable for deterministic tests. */
  random?: () => number;
  /**
   * What the rate limits count time with (the API's per-token budget and its 5-minute block, the
   * SFU's calls per session), in epoch milliseconds: injectable, so that tests need not wait.
   */
  clock?: () => number;
  /**
   * The media plane (real RTMP/RTMPS, SRT and WHIP ingest; HLS, DASH and WHEP playback), with the
   * system programs it uses. Off by default: the live inputs then hand out Cloudflare's ingest URLs.
   */
  media?: MediaOptions;
  /** The SFU's timings (Cloudflare's by default: 30 s track timeout, 5 s connect wait), shorter in tests. */
  sfu?: SfuMediaOptions;
}

/** Each service's store, for in-process checks and the local engine; clients go through the HTTP API. */
export interface EmulatorStores {
  tokens: TokenStore;
  stream: StreamStore;
  calls: CallsStore;
  realtime: RealtimeStore;
  notifications: NotificationStore;
  workers: WorkersStore;
  /** Present when the media plane runs. */
  media?: MediaStore;
  /** The SFU's peer connections (the media plane). */
  sfuMedia: SfuMediaPlane;
}

/** What the services share. */
export interface EmulatorCore {
  /** Changed at run time by `PATCH /__emulator/config`, and by the local engine (where TURN URLs point). */
  config: EmulatorConfig;
  /** The config the emulator started with; reset goes back to it. */
  initialConfig: EmulatorConfig;
  log: RequestLog;
  faults: FaultRules;
  /** The state of every store; `document()` is what the state file holds. */
  state: StateFile;
}

export interface RunningEmulator {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Cloudflare REST base, `${url}/client/v4`, for `baseURL` of SDKs and providers. */
  apiBase: string;
  /** Realtime API base, standing in for `https://rtc.live.cloudflare.com/v1`. */
  realtimeBase: string;
  accountId: string;
  /** The account's owner, whose own API tokens `/user/tokens` serves. */
  userId: string;
  adminToken: string;
  stores: EmulatorStores;
  core: EmulatorCore;
  /** The media plane, when started with `media`. */
  media?: MediaPlane;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 (by default) and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  const config: EmulatorConfig = { ...DEFAULT_CONFIG, ...options.config };
  const initialConfig = structuredClone(config);
  const state = new StateFile(options.stateFile);
  const accountId = loadAccountId(state, options.accountId);
  const shutdown = new AbortController();
  const log = new RequestLog();
  const faults = new FaultRules(options.random);
  const limiter = new RateLimiter(() => config.rateLimit, options.clock);
  let origin = "";

  const tokens = tokensService({
    state,
    accountId,
    adminToken: options.adminToken,
    limiter,
    rateLimit: () => config.rateLimit,
  });
  const requirePermission = tokens.check.require;
  const stream = streamService({
    state,
    requirePermission,
    baseUrl: () => options.deliveryOrigin ?? origin,
    statusShape: () => config.statusShape,
    ingestUrls: () => media?.ingestUrls(),
    liveViewers: (uid) => media?.liveViewers(uid) ?? 0,
  });
  const calls = callsService({ state, requirePermission });
  const sfuMedia = sfuMediaService(options.sfu, faults);
  const realtime = realtimeService({
    state,
    calls: calls.store,
    turnSharedSecret: options.turnSharedSecret,
    turnServer: () => config.turnServer,
    media: sfuMedia.store,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const notifications = notificationsService({
    state,
    requirePermission,
    accountId,
    liveInputs: stream.store,
    fetch: options.fetch,
  });
  const workers = workersService({ state, requirePermission, plan: () => config.plan });
  const media = options.media
    ? mediaService({
        state,
        host,
        liveInputs: stream.store,
        resolvePlayback: stream.resolvePlayback,
        options: options.media,
      })
    : undefined;
  // A new service is one more factory here: its store claims its keys of the state file, its
  // mounts join the app, and reset reaches it.
  const services = [
    tokens,
    stream,
    calls,
    sfuMedia,
    realtime,
    notifications,
    workers,
    ...(media ? [media] : []),
  ];
  await media?.start().catch(async (e) => {
    await media.close();
    throw e;
  });
  state.save();

  const admin = adminRoutes({
    check: tokens.check,
    resetStores: () =>
      state.batch(() => {
        for (const service of services) service.store.reset();
      }),
    snapshot: () => state.document(),
    stream: stream.store,
    notifier: notifications.notifier,
    config,
    initialConfig,
    faults,
    log,
    limiter,
  });
  const app = createApp({
    config,
    log,
    faults,
    shutdown: shutdown.signal,
    admin,
    mounts: services.flatMap((s) => s.mounts),
    written: () => state.written(),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once("error", reject);
  }).catch(async (e) => {
    await media?.close();
    await sfuMedia.store.close();
    throw e;
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;
  return {
    url: origin,
    apiBase: `${origin}/client/v4`,
    realtimeBase: `${origin}/v1`,
    accountId,
    userId: tokens.userId,
    adminToken: tokens.store.adminToken,
    stores: {
      tokens: tokens.store,
      stream: stream.store,
      calls: calls.store,
      realtime: realtime.store,
      notifications: notifications.store,
      workers: workers.store,
      ...(media ? { media: media.store } : {}),
      sfuMedia: sfuMedia.store,
    },
    core: { config, initialConfig, log, faults, state },
    ...(media ? { media } : {}),
    close: async () => {
      shutdown.abort();
      await media?.close();
      await notifications.notifier.flush();
      await sfuMedia.store.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      state.save();
    },
  };
}
