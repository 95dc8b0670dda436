import type { BrowserClient } from "#client/browser.ts";
import type { Api } from "./api.ts";

const TRACK = "dashboard-test-audio";

/** Per-track errors come back with HTTP 200 (docs/reference/cloudflare-api.md §5.2): each must be checked. */
function failedItems(response: { errorCode?: string; tracks: { errorCode?: string }[] }): string[] {
  return [response, ...response.tracks].flatMap((item) => (item.errorCode ? [item.errorCode] : []));
}

/**
 * A Realtime session, as a call would use it: created through the Worker, a track published from
 * this browser's own offer and its answer applied, read back, then closed.
 */
export async function testSfu(api: Api, client: BrowserClient): Promise<string> {
  const session = await api.sfuSession({
    room_id: "dashboard-sfu-test",
    user_id: "dashboard",
    user_name: "Dashboard SFU test",
  });
  const proxy = client.withSession(session);
  const pc = new RTCPeerConnection();
  try {
    const transceiver = pc.addTransceiver("audio", { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    const mid = transceiver.mid!;
    const published = await proxy.sfuTracksNew({
      sessionDescription: { type: "offer", sdp: pc.localDescription!.sdp },
      tracks: [{ location: "local", mid, trackName: TRACK }],
    });
    const publishErrors = failedItems(published);
    if (publishErrors.length > 0) throw new Error(`publishing a track failed: ${publishErrors.join(", ")}`);
    if (!published.sessionDescription) throw new Error("the SFU sent no answer to the offer");
    await pc.setRemoteDescription(published.sessionDescription);
    const state = await proxy.sfuSessionGet();
    if (!state.tracks.some((t) => t.trackName === TRACK))
      throw new Error("the session does not list the track");
    const closed = await proxy.sfuTracksClose({
      tracks: [{ mid }],
      force: true,
    });
    const closeErrors = failedItems(closed);
    if (closeErrors.length > 0) throw new Error(`closing the track failed: ${closeErrors.join(", ")}`);
    return `session ${session.session_id.slice(0, 8)}… on app ${session.app_id.slice(0, 8)}…: a track published, read back and closed`;
  } finally {
    pc.close();
  }
}
