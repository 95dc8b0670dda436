import type { Participant, Topology } from "#contracts/api/rooms.ts";

/** The room's state as a whole: its socket and its media connection together. */
export type RoomConnectionState = "connecting" | "connected" | "reconnecting" | "closed";

/** What a joined room tells the app, by event name. */
export interface RoomEvents {
  participantJoined: { participant: Participant };
  participantLeft: { user_id: string; reason: "closed" | "timeout" | "replaced" };
  /** Another participant's audio or video, ready for a `<video>` or `<audio>` element. */
  trackAdded: { user_id: string; track: MediaStreamTrack; stream: MediaStream };
  trackRemoved: { user_id: string; track: MediaStreamTrack };
  connectionState: { state: RoomConnectionState };
  /** The room moved (peer-to-peer to the SFU when a third participant arrived). */
  topology: { topology: Topology };
  /**
   * An app message from another participant: over the peer-to-peer data channel when there is one,
   * otherwise relayed by the room socket (`via` says which).
   */
  message: { from: string; data: unknown; via: "datachannel" | "socket" };
  /** Something the room recovers from by itself, reported for logs. */
  warning: { error: Error };
}

export type RoomListener<K extends keyof RoomEvents> = (event: RoomEvents[K]) => void;

/** A small typed event emitter: `on` returns the function that removes the listener. */
export class RoomEmitter {
  private readonly listeners = new Map<keyof RoomEvents, Set<(event: never) => void>>();

  on<K extends keyof RoomEvents>(name: K, listener: RoomListener<K>): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener as (event: never) => void);
    this.listeners.set(name, set);
    return () => set.delete(listener as (event: never) => void);
  }

  emit<K extends keyof RoomEvents>(name: K, event: RoomEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as RoomListener<K>)(event);
      } catch (error) {
        // An app listener that throws must not stop the room from delivering to the others.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
