import type { RTCDataChannel } from "werift";
import type { PublishedChannel } from "./published-channel.ts";
import type { PublishedTrack } from "./published-track.ts";
import { SessionPeer } from "./session-peer.ts";

/** A track as the media plane knows it: the session that publishes it and its mid there. */
export interface TrackRef {
  sessionId: string;
  mid: string;
}

/**
 * What the media plane holds for one session: its peer connection, and what it publishes, pulls
 * and relays on it, each by the key the Realtime API names it by (a mid, a channel id or name).
 * Closing it stops all of that and the connection.
 */
export class SessionMedia {
  readonly peer = new SessionPeer();
  /** The tracks the session publishes, by mid. */
  readonly tracks = new Map<string, PublishedTrack>();
  /** What each of the session's pulling mids forwards from, and how to stop it. */
  readonly pulls = new Map<string, { source: TrackRef; stop: () => void }>();
  /** The session's DataChannels, by id: published or pulled, and how to stop each. */
  readonly channels = new Map<number, { channel: RTCDataChannel; stop: () => void }>();
  /** The DataChannels the session publishes, by name, for other sessions to pull. */
  readonly publishedChannels = new Map<string, PublishedChannel>();

  async close(): Promise<void> {
    for (const track of this.tracks.values()) track.stop();
    this.tracks.clear();
    for (const pull of this.pulls.values()) pull.stop();
    this.pulls.clear();
    for (const channel of this.channels.values()) channel.stop();
    this.channels.clear();
    await this.peer.close();
  }
}
