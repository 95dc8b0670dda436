import type * as z from "zod";
import type { tracksCloseRequest, tracksNewRequest } from "../../../contracts/cloudflare/realtime.ts";
import { Collection } from "../../core/collection.ts";
import { newHexSecret } from "../../core/ids.ts";
import type { Section, StateFile } from "../../core/state-file.ts";
import type { CallsSecrets } from "../calls/store.ts";
import {
  acceptAnswer,
  addTracks,
  answerOffer,
  closeTracks,
  createSession,
  openSession,
  type SfuSession,
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
 * The Realtime data plane's state: TURN revocations and SFU sessions. Which TURN keys and SFU apps
 * exist, and their secrets, it asks of Calls.
 */
export class RealtimeStore {
  private readonly sharedSecret: string;
  private revoked: string[];
  private sessions: Collection<SfuSession>;
  private readonly section: Section<RealtimeSection>;

  constructor(
    state: StateFile,
    private readonly calls: CallsSecrets,
    seed: { turnSharedSecret?: string },
  ) {
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
    this.sessions = new Collection(SESSION, loaded?.sfuSessions);
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

  /** A new session of the app, answering the client's first offer when it sent one (older clients do). */
  newSession(appId: string, offerSdp: string | undefined) {
    const session = createSession(appId);
    const answer = offerSdp === undefined ? undefined : answerOffer(session, offerSdp).description;
    this.sessions.set(session.id, session);
    this.section.changed();
    return { sessionId: session.id, ...(answer ? { sessionDescription: answer } : {}) };
  }

  /** The open session of this app: 404 `not_found` if unknown, 410 `session_error` once closed. */
  openSession(appId: string, sessionId: string): Readonly<SfuSession> {
    return openSession(this.sessions.get(sessionId), appId);
  }

  addTracks(appId: string, sessionId: string, body: z.infer<typeof tracksNewRequest>) {
    const result = addTracks(this.open(appId, sessionId), body, (id) => this.sessions.get(id));
    this.section.changed();
    return result;
  }

  renegotiate(appId: string, sessionId: string, answerSdp: string): void {
    acceptAnswer(this.open(appId, sessionId), answerSdp);
    this.section.changed();
  }

  closeTracks(appId: string, sessionId: string, body: z.infer<typeof tracksCloseRequest>) {
    const result = closeTracks(this.open(appId, sessionId), body);
    this.section.changed();
    return result;
  }

  /** The session ends, as when its peer connection goes away: every later call on it answers 410. */
  closeSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.closed = true;
    this.section.changed();
  }

  /** No sessions or revocations; the TURN shared secret stays, since a running coturn holds it. */
  reset(): void {
    this.revoked = [];
    this.sessions = new Collection(SESSION);
    this.section.changed();
  }

  private open(appId: string, sessionId: string): SfuSession {
    return openSession(this.sessions.get(sessionId), appId);
  }
}
