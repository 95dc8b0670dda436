/**
 * How long after its last manifest or segment fetch an HLS or DASH client still counts as watching.
 * Cloudflare documents neither its viewer definition nor a window (docs/reference/cloudflare-api.md
 * §12.2): this is our guess, 10 s: five of the 2 s segments a player reloads its playlist for, so a
 * watching player is never missed, and a viewer who left drops out within one status refresh.
 */
export const VIEWER_WINDOW_MS = 10_000;

/** Who fetches: a player is told apart by its address and user agent, as no session id reaches HLS. */
export interface ViewerKey {
  ip: string;
  userAgent: string;
}

/**
 * The live viewers of each live input, for the delivery host's `/views`. A viewer is a distinct
 * client (address and user agent) that fetched a manifest or segment of the input within
 * `VIEWER_WINDOW_MS`, or an open WHEP session. Cloudflare does not count WebRTC viewers
 * ("Live viewer counts are not supported" in its WebRTC beta, §12.2); the emulator counts them
 * anyway, so that an operator sees every viewer, and the docs state the divergence.
 */
export class Audience {
  /** Per input, each HTTP client's last fetch (ms, `clock()`). */
  private readonly fetches = new Map<string, Map<string, number>>();
  /** Per input, the open WHEP sessions. */
  private readonly sessions = new Map<string, Set<string>>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** An HLS or DASH client fetched a manifest or segment of the input. */
  fetched(uid: string, viewer: ViewerKey): void {
    const clients = this.fetches.get(uid) ?? new Map<string, number>();
    this.fetches.set(uid, clients);
    clients.set(`${viewer.ip}\n${viewer.userAgent}`, this.clock());
  }

  /** A WHEP session opened; the returned function ends it (closed, failed or deleted). */
  joined(uid: string, session: string): () => void {
    const open = this.sessions.get(uid) ?? new Set<string>();
    this.sessions.set(uid, open);
    open.add(session);
    return () => {
      open.delete(session);
      if (open.size === 0 && this.sessions.get(uid) === open) this.sessions.delete(uid);
    };
  }

  /** The input's viewers now; clients past the window are forgotten on the way. */
  count(uid: string): number {
    const since = this.clock() - VIEWER_WINDOW_MS;
    const clients = this.fetches.get(uid);
    for (const [client, at] of clients ?? []) if (at < since) clients?.delete(client);
    if (clients?.size === 0) this.fetches.delete(uid);
    return (clients?.size ?? 0) + (this.sessions.get(uid)?.size ?? 0);
  }
}
