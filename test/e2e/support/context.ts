/**
 * What the e2e global setup hands every test file: one local stack (emulator, the Pulumi program
 * applied to it, the Worker in workerd, coturn), started once for the whole run.
 */
export interface E2eStack {
  workerUrl: string;
  emulatorUrl: string;
  /** The emulated account the program deployed to. */
  accountId: string;
  /** For the emulator's `/__emulator/` controls (and, as a super-admin token, its API). */
  adminToken: string;
  /** The secret the emulator's notifications carry to the Worker's webhook. */
  webhookSecret: string;
  tenants: Record<string, { apiKey: string; channels: Record<string, string> }>;
  /** Each live input's RTMPS ingest as the stack outputs publish it. */
  ingest: Record<string, { rtmpsUrl: string; streamKey: string }>;
  /** Where a test file stops and starts the Worker's runner (worker-control.ts). */
  workerControlUrl: string;
  /** The ffmpeg arguments `npm start` prints to go live (for its first channel), for globex/studio. */
  goLiveArgs: string[];
}

declare module "vitest" {
  interface ProvidedContext {
    stack: E2eStack;
  }
}

/**
 * Channels of their own for the files that broadcast for real (globex/studio over RTMPS, recorded;
 * globex/booth over WHIP; globex/vault, a private channel, over RTMPS), so that their broadcasts
 * leave the channels the other files watch as they were.
 */
export const MEDIA_CHANNELS = { rtmps: "studio", whip: "booth", private: "vault" } as const;

/**
 * What a playback token lasts when its caller asks no `ttl` (the stack's
 * `worker.playbackTokenTtl.default`): the shortest the config and the route allow, 60 s, so that
 * the dashboard's preview of a private channel renews its token during a test. Cloudflare sets
 * no shortest lifetime (docs/reference/cloudflare-api.md §11.2); the floor is this project's.
 */
export const PREVIEW_TOKEN_TTL_SECONDS = 60;
