import type { ChannelStatusView, TenantStreamStatus } from "#contracts/api/stream.ts";
import { type Api, ApiCallError, messageOf } from "./api.ts";
import type { Session } from "./session.ts";

/** What a poll tells each channel's card. */
export interface PollListener {
  status(status: ChannelStatusView): void;
  /** The Worker answered, but without a status (e.g. Cloudflare is failing). */
  unavailable(message: string): void;
}

/** The status is polled this often whatever the event streams do: the fallback if one silently fails. */
const POLL_INTERVAL_MS = 30_000;

/**
 * Every channel's status in one request (`GET /api/stream/status` without `channel`), so that a
 * poll costs one call whatever the number of channels; each card gets its channel's status.
 */
export class StatusPoller {
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly session: Session,
    private readonly api: Api,
    private readonly listeners: Map<string, PollListener>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** A poll now, unless one is already on its way (several streams dropping at once ask once). */
  poll(): Promise<void> {
    this.inFlight ??= this.fetchAll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchAll(): Promise<void> {
    try {
      const { channels } = await this.api<TenantStreamStatus>("GET", "/api/stream/status");
      for (const status of channels) this.listeners.get(status.channel)?.status(status);
    } catch (error) {
      if (this.stopped || !(error instanceof ApiCallError)) return;
      if (error.signedOut) this.session.end("The dashboard session has ended: sign in again.");
      else for (const listener of this.listeners.values()) listener.unavailable(messageOf(error));
    }
  }
}
