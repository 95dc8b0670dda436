import type { ServerClient } from "#client/server.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import { audioPublishOffer } from "./sdp-offer.ts";

const MID = "0";
const TRACK = "smoke-audio";

export interface SfuCheckOptions {
  roomId: string;
  userId: string;
  /** The SFU app the Worker must use. */
  expectAppId?: string;
}

const itemErrors = (tracks: { errorCode?: string | undefined; errorDescription?: string | undefined }[]) =>
  tracks
    .filter((t) => t.errorCode)
    .map((t) => `${t.errorCode}${t.errorDescription ? ` (${t.errorDescription})` : ""}`);

/** An SFU session created, a track published and read back through the Worker's proxy, then closed. */
export function sfuCheck(api: ServerClient, options: SfuCheckOptions): SmokeCheck {
  return {
    name: "sfu",
    async run(signal) {
      const session = await api.sfuSession(
        { room_id: options.roomId, user_id: options.userId, user_name: "smoke check" },
        { signal },
      );
      const proxy = api.session(session);
      if (options.expectAppId && session.app_id !== options.expectAppId) {
        throw new CheckFailed(
          `the Worker uses SFU app ${session.app_id}, the active slot is ${options.expectAppId}`,
        );
      }
      const published = await proxy.sfuTracksNew(
        {
          sessionDescription: { type: "offer", sdp: audioPublishOffer(MID) },
          tracks: [{ location: "local", mid: MID, trackName: TRACK }],
        },
        { signal },
      );
      const publishErrors = [...itemErrors([published]), ...itemErrors(published.tracks)];
      if (publishErrors.length > 0)
        throw new CheckFailed(`publishing a track failed: ${publishErrors.join(", ")}`);
      if (published.sessionDescription?.type !== "answer") {
        throw new CheckFailed("publishing a track did not return an SDP answer");
      }
      const state = await proxy.sfuSessionGet({}, { signal });
      if (!state.tracks.some((t) => t.trackName === TRACK)) {
        throw new CheckFailed(`session ${session.session_id} does not list the track it published`);
      }
      const closed = await proxy.sfuTracksClose({ tracks: [{ mid: MID }], force: true }, { signal });
      const closeErrors = [...itemErrors([closed]), ...itemErrors(closed.tracks)];
      if (closeErrors.length > 0)
        throw new CheckFailed(`closing the track failed: ${closeErrors.join(", ")}`);
      return `session ${session.session_id} on app ${session.app_id}: track published, read back, closed`;
    },
  };
}
