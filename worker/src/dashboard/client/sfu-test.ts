import type * as z from "zod";
import type { SfuSessionData } from "#contracts/api/realtime.ts";
import type { sessionState, tracksCloseResponse, tracksNewResponse } from "#contracts/cloudflare/realtime.ts";
import { type Api, callApi } from "./api.ts";

type TracksNewResponse = z.infer<typeof tracksNewResponse>;
type TracksCloseResponse = z.infer<typeof tracksCloseResponse>;
type SessionState = z.infer<typeof sessionState>;

const TRACK = "dashboard-test-audio";

/** Per-track errors come back with HTTP 200 (docs/reference/cloudflare-api.md §5.2): each must be checked. */
function failedItems(response: { errorCode?: string; tracks: { errorCode?: string }[] }): string[] {
  return [response, ...response.tracks].flatMap((item) => (item.errorCode ? [item.errorCode] : []));
}

/**
 * A Realtime session, as a call would use it: created through the Worker, a track published from
 * this browser's own offer and its answer applied, read back, then closed.
 */
export async function testSfu(api: Api, tenant: string): Promise<string> {
  const session = await api<SfuSessionData>("POST", "/api/realtime/sfu", {
    room_id: "dashboard-sfu-test",
    user_id: "dashboard",
    user_name: "Dashboard SFU test",
  });
  const asSession = <T>(method: "GET" | "POST" | "PUT", suffix: string, body?: unknown) =>
    callApi<T>(
      { tenant, bearer: session.token },
      method,
      `/api/realtime/sfu/sessions/${session.session_id}${suffix}`,
      body,
    );
  const pc = new RTCPeerConnection();
  try {
    const transceiver = pc.addTransceiver("audio", { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    const mid = transceiver.mid!;
    const published = await asSession<TracksNewResponse>("POST", "/tracks/new", {
      sessionDescription: { type: "offer", sdp: pc.localDescription!.sdp },
      tracks: [{ location: "local", mid, trackName: TRACK }],
    });
    const publishErrors = failedItems(published);
    if (publishErrors.length > 0) throw new Error(`publishing a track failed: ${publishErrors.join(", ")}`);
    if (!published.sessionDescription) throw new Error("the SFU sent no answer to the offer");
    await pc.setRemoteDescription(published.sessionDescription);
    const state = await asSession<SessionState>("GET", "");
    if (!state.tracks.some((t) => t.trackName === TRACK))
      throw new Error("the session does not list the track");
    const closed = await asSession<TracksCloseResponse>("PUT", "/tracks/close", {
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
