import { ApiError } from "#client/browser.ts";
import { createServerClient } from "#client/server.ts";
import type { DashboardTokenData } from "#contracts/api/dashboard.ts";
import { workerClient } from "./api.ts";

const STORAGE_KEY = "realtime-stack.dashboard";
/** Refresh this long before the token expires; retry a failed refresh this often until it does. */
const REFRESH_AHEAD_MS = 3 * 60_000;
const RETRY_MS = 15_000;

interface Stored {
  tenant: string;
  token: string;
  expiresAt: string;
  /** When the Worker ends the session (absent from a tab signed in before the page knew it). */
  sessionExpiresAt?: string;
}

/**
 * The operator signs in once with the tenant id and key; the key is traded at once for a
 * short-lived dashboard token and never kept. The token lives in this tab's sessionStorage (it
 * survives a reload, not the tab) and is refreshed before it expires, until the Worker ends the
 * session.
 */
export class Session {
  private timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private stored: Stored,
    private readonly onEnd: (reason: string) => void,
  ) {
    this.schedule();
  }

  static async signIn(tenant: string, key: string, onEnd: (reason: string) => void): Promise<Session> {
    // The one call with the tenant key, typed here by the tenant's own operator: through the server
    // entry, since the browser entry refuses keys (docs/app-developers.md), and never kept.
    const data = await createServerClient({
      baseUrl: location.origin,
      tenant,
      key,
      init: { cache: "no-store" },
    }).dashboardToken();
    return new Session(save({ tenant, ...storedToken(data) }), onEnd);
  }

  /** The session this tab already has, if its token is still good. */
  static resume(onEnd: (reason: string) => void): Session | undefined {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Stored;
    if (Date.parse(stored.expiresAt) - Date.now() < RETRY_MS) {
      sessionStorage.removeItem(STORAGE_KEY);
      return undefined;
    }
    return new Session(stored, onEnd);
  }

  get tenant(): string {
    return this.stored.tenant;
  }

  token(): string {
    return this.stored.token;
  }

  end(reason: string): void {
    clearTimeout(this.timer);
    sessionStorage.removeItem(STORAGE_KEY);
    this.onEnd(reason);
  }

  /**
   * The next refresh, before the token expires; none once the token lives as long as the session,
   * which no refresh extends: the session then ends when the token does. (Refreshing it anyway
   * answered the same expiry, due at once, and the tab asked again and again for three minutes.)
   */
  private schedule(delayMs = Date.parse(this.stored.expiresAt) - Date.now() - REFRESH_AHEAD_MS): void {
    clearTimeout(this.timer);
    const { expiresAt, sessionExpiresAt } = this.stored;
    if (sessionExpiresAt !== undefined && Date.parse(expiresAt) >= Date.parse(sessionExpiresAt)) {
      this.timer = setTimeout(
        () => this.end("The dashboard session has ended: sign in again."),
        Math.max(0, Date.parse(expiresAt) - Date.now()),
      );
      return;
    }
    this.timer = setTimeout(() => void this.refresh(), Math.max(0, delayMs));
  }

  private async refresh(): Promise<void> {
    try {
      const data = await workerClient(this.tenant).withDashboardToken(this.stored.token).dashboardToken();
      this.stored = save({ ...this.stored, ...storedToken(data) });
      this.schedule();
    } catch (error) {
      if (error instanceof ApiError && error.unauthorized) {
        this.end("The dashboard session has ended: sign in again.");
      } else if (Date.parse(this.stored.expiresAt) > Date.now()) {
        this.schedule(RETRY_MS);
      } else {
        this.end("The dashboard could not renew its session: sign in again.");
      }
    }
  }
}

const storedToken = (data: DashboardTokenData): Omit<Stored, "tenant"> => ({
  token: data.token,
  expiresAt: data.expires_at,
  sessionExpiresAt: data.session_expires_at,
});

function save(stored: Stored): Stored {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
  return stored;
}
