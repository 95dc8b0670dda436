import type * as z from "zod";
import type {
  TrackObject,
  tracksCloseRequest,
  tracksNewRequest,
} from "../../../contracts/cloudflare/realtime.ts";
import { newTag, now } from "../../core/ids.ts";
import { realtimeErrors } from "./errors.ts";
import {
  answerDirection,
  type MediaSection,
  parseMediaSections,
  SdpError,
  sdpIdentity,
  writeSessionDescription,
} from "./sdp.ts";

/** `closed` tells a closed track from a pulled one that waits for the client's answer. */
export interface SfuTrack {
  mid: string;
  trackName: string;
  location: "local" | "remote";
  kind?: string;
  sessionId?: string;
  status: "active" | "inactive";
  closed?: boolean;
}

/**
 * An SFU session as the emulator keeps it: the tracks plus the negotiated m-lines, so that every
 * description it writes keeps the order and mids a browser already agreed to.
 */
export interface SfuSession {
  id: string;
  appId: string;
  created: string;
  closed: boolean;
  tracks: SfuTrack[];
  /** Negotiated media sections in order, directions from the SFU's side. */
  media: MediaSection[];
  /** `o=` version of the last description the SFU wrote. */
  sdpVersion: number;
  /** The SFU sent an offer that the client has yet to answer through `renegotiate`. */
  awaitingAnswer: boolean;
}

type ItemResult = TrackObject & { errorCode?: string; errorDescription?: string };

/** Looks up another session, for pulling the tracks it publishes. */
export type SessionLookup = (sessionId: string) => SfuSession | undefined;

export function createSession(appId: string): SfuSession {
  return {
    id: newTag(),
    appId,
    created: now(),
    closed: false,
    tracks: [],
    media: [],
    sdpVersion: 0,
    awaitingAnswer: false,
  };
}

/** The session if it is an open one of this app: 404 `not_found` if unknown, 410 `session_error` once closed. */
export function openSession(session: SfuSession | undefined, appId: string): SfuSession {
  if (!session || session.appId !== appId) throw realtimeErrors.notFound("session");
  if (session.closed) throw realtimeErrors.sessionClosed();
  return session;
}

function parseOrThrow(sdp: string): MediaSection[] {
  try {
    return parseMediaSections(sdp);
  } catch (err) {
    if (err instanceof SdpError) throw realtimeErrors.invalidSessionDescription(err.message);
    throw err;
  }
}

function describe(session: SfuSession, type: "offer" | "answer", sections: MediaSection[]) {
  session.sdpVersion += 1;
  const streamIds = Object.fromEntries(
    session.tracks
      .filter((t) => t.location === "remote")
      .map((t) => [t.mid, { stream: t.sessionId ?? session.id, track: t.trackName }]),
  );
  const sdp = writeSessionDescription({
    type,
    identity: sdpIdentity(session.id),
    version: session.sdpVersion,
    sections,
    streamIds,
  });
  return { type, sdp };
}

/**
 * Takes the client's offer: merges its sections into the negotiated media (new mids appended,
 * existing ones updated) and answers it section for section.
 */
export function answerOffer(session: SfuSession, offerSdp: string) {
  const offered = parseOrThrow(offerSdp);
  const answered = offered.map((s) => ({ ...s, direction: answerDirection(s.direction) }));
  for (const section of answered) {
    const existing = session.media.findIndex((m) => m.mid === section.mid);
    if (existing === -1) session.media.push(section);
    else session.media[existing] = section;
  }
  session.awaitingAnswer = false;
  return { offered, description: describe(session, "answer", answered) };
}

/** Offers the whole negotiated media; the client answers through `renegotiate`. */
function offerMedia(session: SfuSession) {
  session.awaitingAnswer = true;
  return describe(session, "offer", session.media);
}

/** Takes the client's answer to the SFU's pending offer; pulled tracks go active with it. */
export function acceptAnswer(session: SfuSession, answerSdp: string): void {
  if (!session.awaitingAnswer)
    throw realtimeErrors.invalidSessionDescription("no offer is awaiting an answer");
  const answered = parseOrThrow(answerSdp);
  const missing = session.media.filter((m) => !answered.some((a) => a.mid === m.mid)).map((m) => m.mid);
  if (missing.length > 0) {
    throw realtimeErrors.invalidSessionDescription(`the answer lacks mids ${missing.join(", ")}`);
  }
  session.awaitingAnswer = false;
  for (const track of session.tracks) {
    if (track.location === "remote" && track.status === "inactive" && !track.closed) track.status = "active";
  }
}

const itemError = (item: TrackObject, errorCode: string, errorDescription: string): ItemResult => ({
  ...item,
  errorCode,
  errorDescription,
});

/** Publishes one track of the client's offer. */
function addLocalTrack(session: SfuSession, item: TrackObject, offered: MediaSection[]): ItemResult {
  if (!item.mid || !item.trackName) {
    return itemError(item, "empty_track_error", "a local track needs mid and trackName");
  }
  const section = offered.find((s) => s.mid === item.mid);
  if (!section || section.kind === "application") {
    return itemError(item, "not_found_track_error", `the offer has no media section with mid ${item.mid}`);
  }
  if (session.tracks.some((t) => t.location === "local" && t.trackName === item.trackName && !t.closed)) {
    return itemError(item, "repeated_local_track_error", `track ${item.trackName} is already published`);
  }
  session.tracks.push({
    location: "local",
    mid: item.mid,
    trackName: item.trackName,
    kind: section.kind,
    status: "active",
  });
  return { location: "local", mid: item.mid, trackName: item.trackName };
}

/** The next numeric mid that no section of the session uses. */
function nextMid(session: SfuSession): string {
  const used = session.media.map((m) => Number(m.mid)).filter(Number.isInteger);
  return String(used.length ? Math.max(...used) + 1 : 0);
}

/**
 * Pulls a track another session of the same app publishes, on a new mid the SFU will offer, or on
 * the mid of the client's own offer when it sent one.
 */
function addRemoteTrack(
  sessionById: SessionLookup,
  session: SfuSession,
  item: TrackObject,
  offered: MediaSection[] | undefined,
): ItemResult {
  if (!item.sessionId || !item.trackName) {
    return itemError(item, "empty_track_error", "a remote track needs sessionId and trackName");
  }
  const source = sessionById(item.sessionId);
  const published =
    source && source.appId === session.appId && !source.closed
      ? source.tracks.find((t) => t.location === "local" && t.trackName === item.trackName && !t.closed)
      : undefined;
  if (!published) {
    return itemError(
      item,
      "not_found_track_error",
      `session ${item.sessionId} publishes no track named ${item.trackName}`,
    );
  }
  let mid: string;
  if (offered) {
    if (!item.mid || !offered.some((s) => s.mid === item.mid)) {
      return itemError(item, "not_found_track_error", `the offer has no media section with mid ${item.mid}`);
    }
    mid = item.mid;
  } else {
    mid = nextMid(session);
    session.media.push({ mid, kind: published.kind as MediaSection["kind"], direction: "sendonly" });
  }
  session.tracks.push({
    location: "remote",
    mid,
    trackName: item.trackName,
    sessionId: item.sessionId,
    kind: published.kind,
    status: offered ? "active" : "inactive",
  });
  return { location: "remote", mid, trackName: item.trackName, sessionId: item.sessionId };
}

/** Stops the track on `mid`: its section goes inactive, its status too. */
function closeTrack(
  session: SfuSession,
  mid: string,
): { mid: string; errorCode?: string; errorDescription?: string } {
  const track = session.tracks.find((t) => t.mid === mid && !t.closed);
  if (!track) return { mid, errorCode: "close_track_error", errorDescription: `no open track on mid ${mid}` };
  track.closed = true;
  track.status = "inactive";
  const section = session.media.find((m) => m.mid === mid);
  if (section) section.direction = "inactive";
  return { mid };
}

/**
 * `tracks/new` on a validated request (one location for all tracks, an offer when publishing):
 * answers the client's offer, or offers the SFU's own when pulling adds media sections.
 */
export function addTracks(
  session: SfuSession,
  body: z.infer<typeof tracksNewRequest>,
  sessionById: SessionLookup,
) {
  const publishing = body.tracks.some((t) => t.location === "local");
  const answered = body.sessionDescription ? answerOffer(session, body.sessionDescription.sdp) : undefined;
  const mediaBefore = session.media.length;
  const tracks = body.tracks.map((item) =>
    publishing
      ? addLocalTrack(session, item, answered!.offered)
      : addRemoteTrack(sessionById, session, item, answered?.offered),
  );
  const offer = !answered && session.media.length > mediaBefore ? offerMedia(session) : undefined;
  const description = answered?.description ?? offer;
  return {
    requiresImmediateRenegotiation: offer !== undefined,
    ...(description ? { sessionDescription: description } : {}),
    tracks,
  };
}

/** `tracks/close`: stops each mid, then answers the client's offer when it sent one. */
export function closeTracks(session: SfuSession, body: z.infer<typeof tracksCloseRequest>) {
  const tracks = body.tracks.map(({ mid }) => closeTrack(session, mid));
  const answer = body.sessionDescription
    ? answerOffer(session, body.sessionDescription.sdp).description
    : undefined;
  return {
    tracks,
    ...(answer ? { sessionDescription: answer } : {}),
    requiresImmediateRenegotiation: false,
  };
}
