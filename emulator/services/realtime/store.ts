import { Collection } from "../../core/collection.ts";
import { newHexSecret } from "../../core/ids.ts";
import type { Section, StateFile } from "../../core/state-file.ts";
import type { CallsSecrets } from "../calls/store.ts";
import { SessionCallLimit } from "./session-call-limit.ts";
import {
  createSession,
  openSession,
  openTrackOn,
  type SfuDataChannel,
  type SfuSession,
  type SfuTrack,
} from "./sfu-session.ts";
import { revokeTurnUsername, turnUsernameRefusal } from "./turn-credentials.ts";

interface RealtimeSection {
  /** Shared with a local coturn (`static-auth-secret`) so that TURN credentials work there. */
  turnSharedSecret: string;
  /** TURN usernames revoked through the Realtime API. */
  revokedTurnUsernames: string[];
  sfuSessions: Record<string, SfuSession>;
}

const SESSION = "SFU session";

/**
 * Sessions of an earlier run, closed: their peer connections ended with that process, so they
 * answer 410 as Cloudflare answers for a session whose connection is gone.
 */
function closedSessions(loaded: Record<string, SfuSession> | undefined): Record<string, SfuSession> {
  const sessions: Record<string, SfuSession> = {};
  for (const [id, session] of Object.entries(loaded ?? {})) {
    // Written before the media plane, a session also held its synthetic SDP state: dropped.
    sessions[id] = {
      id: session.id,
      appId: session.appId,
      created: session.created,
      closed: true,
      tracks: session.tracks.map((t) => ({ ...t, status: "inactive" })),
      dataChannels: session.dataChannels ?? [],
    };
  }
  return sessions;
}

/**
 * The Realtime data plane's state: TURN revocations and SFU sessions. Which TURN keys and SFU apps
 * exist, and their secrets, it asks of Calls.
 */
export class RealtimeStore {
  private readonly sharedSecret: string;
  private revoked: string[];
  private sessions: Collection<SfuSession>;
  private readonly section: Section<RealtimeSection>;

  /** Each session's calls in the last second, against Cloudflare's 50 per second; not part of the state file. */
  readonly sessionCalls: SessionCallLimit;

  constructor(
    state: StateFile,
    private readonly calls: CallsSecrets,
    seed: { turnSharedSecret?: string | undefined; clock?: () => number },
  ) {
    this.sessionCalls = new SessionCallLimit(seed.clock);
    this.section = state.section<RealtimeSection>(
      ["turnSharedSecret", "revokedTurnUsernames", "sfuSessions"],
      () => ({
        turnSharedSecret: this.sharedSecret,
        revokedTurnUsernames: this.revoked,
        sfuSessions: this.sessions.toJSON(),
      }),
    );
    const loaded = this.section.loaded;
    this.sharedSecret = loaded?.turnSharedSecret ?? seed.turnSharedSecret ?? newHexSecret();
    this.revoked = loaded?.revokedTurnUsernames ?? [];
    this.sessions = new Collection(SESSION, closedSessions(loaded?.sfuSessions));
  }

  /** What TURN credentials are signed with; a local coturn needs it too. */
  get turnSharedSecret(): string {
    return this.sharedSecret;
  }

  revokedTurnUsernames(): readonly string[] {
    return this.revoked;
  }

  revokeTurnUsername(username: string, nowMs = Date.now()): void {
    this.revoked = revokeTurnUsername(this.revoked, username, nowMs);
    this.section.changed();
  }

  /** Why the TURN server must refuse `username` although its signature is good (see turn-credentials.ts). */
  turnUsernameRefusal(username: string): string | undefined {
    return turnUsernameRefusal(this.revoked, (id) => this.calls.turnKeySecret(id) !== undefined, username);
  }

  /** A new session of the app; the client connects it with its first offer. */
  newSession(appId: string): Readonly<SfuSession> {
    const session = createSession(appId);
    this.sessions.set(session.id, session);
    this.section.changed();
    return session;
  }

  /** The open session of this app: 404 `not_found` if unknown, 410 `session_error` once closed. */
  openSession(appId: string, sessionId: string): Readonly<SfuSession> {
    return openSession(this.sessions.get(sessionId), appId);
  }

  /** Another session, for pulling what it publishes. */
  session(sessionId: string): Readonly<SfuSession> | undefined {
    return this.sessions.get(sessionId);
  }

  /** Records tracks the media plane now receives. */
  publish(sessionId: string, tracks: { mid: string; trackName: string; kind: string }[]): void {
    const session = this.sessions.find(sessionId);
    for (const t of tracks) session.tracks.push({ location: "local", ...t, status: "active" });
    this.section.changed();
  }

  /**
   * Records pulled tracks on the mids the media plane gave them: active at once when they came
   * in the client's offer, else once the client answers the SFU's offer.
   */
  pull(
    sessionId: string,
    tracks: { mid: string; trackName: string; sessionId: string; kind: string }[],
    status: SfuTrack["status"],
  ): void {
    const session = this.sessions.find(sessionId);
    for (const t of tracks) session.tracks.push({ location: "remote", ...t, status });
    this.section.changed();
  }

  /** The client answered the SFU's offer: pulled tracks waiting for it go active. */
  answered(sessionId: string): void {
    for (const track of this.sessions.find(sessionId).tracks) {
      if (track.location === "remote" && track.status === "inactive" && !track.closed && !track.ended)
        track.status = "active";
    }
    this.section.changed();
  }

  /**
   * Closes the open tracks on `mids`; a mid with none gets `close_track_error`. The tracks closed
   * are returned, and pulls of a closed publication lose their source.
   */
  closeTracks(sessionId: string, mids: string[]) {
    const session = this.sessions.find(sessionId);
    const closed: SfuTrack[] = [];
    const results = mids.map((mid) => {
      const track = openTrackOn(session, mid);
      if (!track) {
        return {
          mid,
          errorCode: "close_track_error",
          errorDescription: "Track doesn't exist or was already closed",
        };
      }
      track.closed = true;
      track.status = "inactive";
      closed.push(track);
      if (track.location === "local") this.endPulls(session.id, track.trackName);
      return { mid };
    });
    this.section.changed();
    return { results, closed };
  }

  /** A published track the media plane removed for want of media: closed, and its pulls lose their source. */
  trackTimedOut(sessionId: string, mid: string): void {
    const session = this.sessions.get(sessionId);
    const track = session && openTrackOn(session, mid);
    if (track?.location !== "local") return;
    track.closed = true;
    track.status = "inactive";
    this.endPulls(sessionId, track.trackName);
    this.section.changed();
  }

  /** Records DataChannels the media plane opened. */
  addDataChannels(sessionId: string, channels: SfuDataChannel[]): void {
    this.sessions.find(sessionId).dataChannels.push(...channels);
    this.section.changed();
  }

  /** The session ends, as when its peer connection goes away: every later call on it answers 410. */
  closeSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.closed = true;
    for (const track of session.tracks) {
      if (track.location === "local" && !track.closed) this.endPulls(sessionId, track.trackName);
    }
    this.section.changed();
  }

  /** No sessions or revocations; the TURN shared secret stays, since a running coturn holds it. */
  reset(): void {
    this.revoked = [];
    this.sessions = new Collection(SESSION);
    this.sessionCalls.reset();
    this.section.changed();
  }

  /** Every pull of `trackName` from `publisher` stops receiving: its status goes inactive. */
  private endPulls(publisher: string, trackName: string): void {
    for (const session of this.sessions.values()) {
      for (const track of session.tracks) {
        if (track.location !== "remote" || track.closed) continue;
        if (track.sessionId !== publisher || track.trackName !== trackName) continue;
        track.status = "inactive";
        track.ended = true;
      }
    }
  }
}
