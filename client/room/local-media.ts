import type { PublishedTrack } from "#contracts/api/rooms.ts";

/** How the room socket announces local tracks: named by kind and position, on the SFU session if any. */
export const announced = (tracks: readonly MediaStreamTrack[], sessionId?: string): PublishedTrack[] =>
  tracks.map((track, i) => ({
    track_name: `${track.kind}-${i}`,
    kind: track.kind as "audio" | "video",
    ...(sessionId === undefined ? {} : { session_id: sessionId }),
  }));

/** A local source: `true` for the default device, constraints to choose one, or a track the app already has. */
export type MediaSource = boolean | MediaTrackConstraints | MediaStreamTrack;

/**
 * The tracks to publish: the app's own as they are, and one `getUserMedia` call for the rest
 * (a single call, so that the browser asks for camera and microphone in one prompt). Resolves to
 * the tracks and those the room opened itself, which it stops on leave.
 */
export async function localTracks(
  audio: MediaSource | undefined,
  video: MediaSource | undefined,
): Promise<{ tracks: MediaStreamTrack[]; owned: MediaStreamTrack[] }> {
  const given = [audio, video].filter((s): s is MediaStreamTrack => s instanceof MediaStreamTrack);
  const wanted = (source: MediaSource | undefined) =>
    source === undefined || source === false || source instanceof MediaStreamTrack ? false : source;
  const constraints = { audio: wanted(audio), video: wanted(video) };
  const owned =
    constraints.audio || constraints.video
      ? (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()
      : [];
  return { tracks: [...given, ...owned], owned };
}
