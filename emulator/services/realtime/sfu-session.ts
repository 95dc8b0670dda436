import type { DataChannelObject, TrackObject } from "#contracts/cloudflare/realtime.ts";
import { newTag, now } from "../../core/ids.ts";
import type { ChannelDelivery } from "../media/sfu/session-peer.ts";
import { realtimeErrors } from "./errors.ts";
import type { MediaSection } from "./sdp.ts";

/** `closed` tells a closed track from a pulled one that waits for the client's answer. */
export interface SfuTrack {
  mid: string;
  trackName: string;
  location: "local" | "remote";
  kind?: string;
  sessionId?: string;
  status: "active" | "inactive";
  closed?: boolean;
  /** A pulled track whose publication closed or timed out: nothing comes on it any more. */
  ended?: boolean;
}

/** A DataChannel of the session: published under its name, or pulled from `sessionId`. */
export interface SfuDataChannel {
  location: "local" | "remote";
  dataChannelName: string;
  /** The negotiated channel id on this session's association. */
  id: number;
  sessionId?: string;
  delivery: ChannelDelivery;
}

/** An SFU session as the API reports it: its tracks and DataChannels. The media plane holds its connection. */
export interface SfuSession {
  id: string;
  appId: string;
  created: string;
  closed: boolean;
  tracks: SfuTrack[];
  dataChannels: SfuDataChannel[];
}

export type ItemResult = TrackObject & { errorCode?: string; errorDescription?: string };
export type ChannelResult = DataChannelObject & { errorCode?: string; errorDescription?: string };

/** Looks up another session, for pulling what it publishes. */
export type SessionLookup = (sessionId: string) => Readonly<SfuSession> | undefined;

export function createSession(appId: string): SfuSession {
  return { id: newTag(), appId, created: now(), closed: false, tracks: [], dataChannels: [] };
}

/** The session if it is an open one of this app: 404 `not_found` if unknown, 410 `session_error` once closed. */
export function openSession<S extends Readonly<SfuSession>>(session: S | undefined, appId: string): S {
  if (!session || session.appId !== appId) throw realtimeErrors.notFound("session");
  if (session.closed) throw realtimeErrors.sessionClosed();
  return session;
}

const itemError = <T>(item: T, errorCode: string, errorDescription: string) => ({
  ...item,
  errorCode,
  errorDescription,
});

/** A track to publish, as planned from the client's offer. */
export interface PlannedPublish {
  index: number;
  mid: string;
  trackName: string;
  kind: string;
}

/**
 * Which local tracks of a `tracks/new` can be published from the client's offer: each result
 * answers its item (per-item errors with HTTP 200, as Cloudflare does). Changes nothing.
 */
export function planPublish(session: Readonly<SfuSession>, items: TrackObject[], offered: MediaSection[]) {
  const accepted: PlannedPublish[] = [];
  const results = items.map((item, index): ItemResult => {
    if (!item.mid || !item.trackName) {
      return itemError(item, "empty_track_error", "a local track needs mid and trackName");
    }
    const section = offered.find((s) => s.mid === item.mid);
    if (!section || section.kind === "application") {
      return itemError(item, "not_found_track_error", `the offer has no media section with mid ${item.mid}`);
    }
    const repeated =
      session.tracks.some((t) => t.location === "local" && t.trackName === item.trackName && !t.closed) ||
      accepted.some((a) => a.trackName === item.trackName);
    if (repeated) {
      return itemError(item, "repeated_local_track_error", `track ${item.trackName} is already published`);
    }
    accepted.push({ index, mid: item.mid, trackName: item.trackName, kind: section.kind });
    return { location: "local", mid: item.mid, trackName: item.trackName };
  });
  return { results, accepted };
}

/** A track to pull: the publisher's session and mid, and the mid of the client's offer when it sent one. */
export interface PlannedPull {
  index: number;
  sessionId: string;
  trackName: string;
  sourceMid: string;
  kind: string;
  mid?: string;
}

/**
 * Which remote tracks of a `tracks/new` can be pulled: another open session of the same app
 * must publish the named track, and `isLive` must still see it (tracks time out without media).
 * Changes nothing.
 */
export function planPull(
  session: Readonly<SfuSession>,
  items: TrackObject[],
  sessionById: SessionLookup,
  isLive: (sessionId: string, mid: string) => boolean,
  offered: MediaSection[] | undefined,
) {
  const accepted: PlannedPull[] = [];
  const results = items.map((item, index): ItemResult => {
    if (!item.sessionId || !item.trackName) {
      return itemError(item, "empty_track_error", "a remote track needs sessionId and trackName");
    }
    const source = sessionById(item.sessionId);
    const published =
      source && source.appId === session.appId && !source.closed
        ? source.tracks.find((t) => t.location === "local" && t.trackName === item.trackName && !t.closed)
        : undefined;
    if (!published || !isLive(item.sessionId, published.mid)) {
      return itemError(
        item,
        "not_found_track_error",
        `session ${item.sessionId} publishes no track named ${item.trackName}`,
      );
    }
    if (offered && (!item.mid || !offered.some((s) => s.mid === item.mid && s.kind === published.kind))) {
      return itemError(
        item,
        "not_found_track_error",
        `the offer has no ${published.kind} media section with mid ${item.mid}`,
      );
    }
    accepted.push({
      index,
      sessionId: item.sessionId,
      trackName: item.trackName,
      sourceMid: published.mid,
      kind: published.kind ?? "video",
      ...(offered ? { mid: item.mid } : {}),
    });
    return {
      location: "remote",
      ...(item.mid === undefined ? {} : { mid: item.mid }),
      trackName: item.trackName,
      sessionId: item.sessionId,
    };
  });
  return { results, accepted };
}

/** A DataChannel to open: published under its name, or pulled from another session's publication. */
export interface PlannedChannel {
  index: number;
  location: "local" | "remote";
  dataChannelName: string;
  sessionId?: string;
  delivery: ChannelDelivery;
}

/**
 * Which entries of a `datachannels/new` can be opened: a name is published once per session, and
 * a pull needs an open session of the same app that publishes that name. Changes nothing.
 */
export function planChannels(
  session: Readonly<SfuSession>,
  items: DataChannelObject[],
  sessionById: SessionLookup,
) {
  const accepted: PlannedChannel[] = [];
  const results = items.map((item, index): ChannelResult => {
    const name = item.dataChannelName ?? "";
    const delivery: ChannelDelivery = {
      ...(item.ordered === undefined ? {} : { ordered: item.ordered }),
      ...(item.maxRetransmits === undefined ? {} : { maxRetransmits: item.maxRetransmits }),
      ...(item.maxPacketLifeTime === undefined ? {} : { maxPacketLifeTime: item.maxPacketLifeTime }),
    };
    const already = (location: string, from?: string) =>
      session.dataChannels.some(
        (c) => c.location === location && c.dataChannelName === name && c.sessionId === from,
      ) ||
      accepted.some((a) => a.location === location && a.dataChannelName === name && a.sessionId === from);
    if (item.location === "local") {
      if (already("local")) {
        return itemError(item, "repeated_local_track_error", `DataChannel ${name} is already published`);
      }
      accepted.push({ index, location: "local", dataChannelName: name, delivery });
      return item;
    }
    const from = item.sessionId ?? "";
    const source = sessionById(from);
    const published =
      source && source.appId === session.appId && !source.closed
        ? source.dataChannels.some((c) => c.location === "local" && c.dataChannelName === name)
        : false;
    if (!published) {
      return itemError(
        item,
        "not_found_track_error",
        `session ${from} publishes no DataChannel named ${name}`,
      );
    }
    if (already("remote", from)) {
      return itemError(
        item,
        "repeated_local_track_error",
        `DataChannel ${name} of ${from} is already pulled`,
      );
    }
    accepted.push({ index, location: "remote", dataChannelName: name, sessionId: from, delivery });
    return item;
  });
  return { results, accepted };
}

/** The track on `mid` that is not closed, if any. */
export const openTrackOn = (session: Readonly<SfuSession>, mid: string) =>
  session.tracks.find((t) => t.mid === mid && !t.closed);
