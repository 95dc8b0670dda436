import type { Page } from "playwright-core";

/**
 * A WHIP broadcast and a WHEP viewer in a page, written as Cloudflare's browser example writes them
 * (docs: stream/examples/webrtc-whip-whep): POST the offer at once, apply the answer, keep the
 * Location. The broadcaster also trickles its candidates with PATCH, as the WHIP draft has it.
 */
export async function publishWhip(page: Page, whipUrl: string): Promise<string> {
  return page.evaluate(async (url) => {
    const media = await navigator.mediaDevices.getUserMedia({
      video: { width: 640, height: 360 },
      audio: true,
    });
    const pc = new RTCPeerConnection();
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: "sendonly" });
    (window as unknown as { whip: RTCPeerConnection }).whip = pc;
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const pending: RTCIceCandidate[] = [];
    let location: string | undefined;
    const patch = (candidates: RTCIceCandidate[]) =>
      fetch(location!, {
        method: "PATCH",
        headers: { "content-type": "application/trickle-ice-sdpfrag" },
        body: `${candidates.map((c) => `a=${c.candidate}`).join("\r\n")}\r\n`,
      });
    pc.onicecandidate = (e) => {
      if (!e.candidate?.candidate) return;
      if (location) void patch([e.candidate]);
      else pending.push(e.candidate);
    };
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/sdp" },
      body: offer.sdp ?? "",
    });
    if (res.status !== 201) throw new Error(`WHIP answered ${res.status}: ${await res.text()}`);
    location = new URL(res.headers.get("location")!, url).toString();
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    if (pending.length > 0) {
      const trickled = await patch(pending);
      if (trickled.status !== 204) throw new Error(`trickle ICE PATCH answered ${trickled.status}`);
    }
    return location;
  }, whipUrl);
}

/** Plays the WHEP URL into a video element; resolves with the session URL. */
export async function playWhep(page: Page, whepUrl: string): Promise<string> {
  return page.evaluate(async (url) => {
    const pc = new RTCPeerConnection();
    (window as unknown as { whep: RTCPeerConnection }).whep = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const video = document.createElement("video");
    video.muted = true;
    video.autoplay = true;
    document.body.append(video);
    const stream = new MediaStream();
    video.srcObject = stream;
    pc.ontrack = (e) => stream.addTrack(e.track);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/sdp" },
      body: offer.sdp ?? "",
    });
    if (res.status !== 201) throw new Error(`WHEP answered ${res.status}: ${await res.text()}`);
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    return new URL(res.headers.get("location")!, url).toString();
  }, whepUrl);
}

/** Video frames the page's WHEP viewer decoded so far (inbound-rtp `framesDecoded`). */
export async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { whep: RTCPeerConnection }).whep;
    let frames = 0;
    (await pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "video") frames += report.framesDecoded ?? 0;
    });
    return frames;
  });
}
