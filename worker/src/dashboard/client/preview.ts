import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { messageOf } from "./api.ts";
import { h } from "./dom.ts";
import type { Playback } from "./viewing-urls.ts";

/** Tries this often while a live channel has nothing to play yet (HLS waits for its first segment). */
const RETRY_MS = 2_000;
const ATTEMPTS = 15;

/**
 * A live channel's preview: HLS in the browser's own player for an RTMPS or SRT broadcast (a channel
 * that records), WHEP for a WHIP broadcast, whichever the delivery host plays, as on Cloudflare,
 * where each input plays one way only. A private channel plays through a token (viewing-urls.ts).
 * Gone when the channel is no longer live.
 */
export class Preview {
  readonly element = h("div", { class: "preview", hidden: true });
  private readonly note = h("p", { class: "hint" });
  private playing: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly urlsOf: (status: ChannelStatusView) => Promise<Playback>) {}

  update(status: ChannelStatusView): void {
    if (!status.connected) {
      this.stop();
      return;
    }
    if (this.playing || this.timer !== undefined) return;
    this.element.hidden = false;
    this.element.replaceChildren(this.note);
    this.note.textContent = "Preparing the preview…";
    void this.attempt(status, ++this.generation, 1);
  }

  stop(): void {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.playing?.();
    this.playing = undefined;
    this.element.hidden = true;
    this.element.replaceChildren();
  }

  private async attempt(status: ChannelStatusView, generation: number, n: number): Promise<void> {
    this.timer = undefined;
    let playback: Playback;
    try {
      playback = await this.urlsOf(status);
    } catch (error) {
      if (generation === this.generation) this.note.textContent = `No preview: ${messageOf(error)}`;
      return;
    }
    const started = (await this.hls(playback.hls)) ?? (await this.whep(playback.whep));
    if (generation !== this.generation) {
      started?.stop();
      return;
    }
    if (started) {
      this.playing = started.stop;
      this.element.replaceChildren(started.video);
      return;
    }
    if (n >= ATTEMPTS) {
      this.note.textContent =
        "No preview: the broadcast plays neither over HLS (the channel does not record) nor WHEP.";
      return;
    }
    this.timer = setTimeout(() => void this.attempt(status, generation, n + 1), RETRY_MS);
  }

  private async hls(url: string) {
    // 204 until the broadcast has a segment, and for a broadcast that plays over WHEP only.
    const res = await fetch(url, { cache: "no-store" }).catch(() => undefined);
    if (res?.status !== 200) return undefined;
    const video = this.video("HLS preview");
    if (!video.canPlayType("application/vnd.apple.mpegurl")) {
      this.note.textContent = `This browser does not play HLS itself: open ${url} in a player.`;
      return undefined;
    }
    video.src = url;
    return { video, stop: () => video.removeAttribute("src") };
  }

  private async whep(url: string) {
    const pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    // Tracks arrive while the answer is applied.
    const stream = new MediaStream();
    pc.ontrack = (event) => stream.addTrack(event.track);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/sdp" },
      body: offer.sdp ?? "",
    }).catch(() => undefined);
    if (res?.status !== 201) {
      pc.close();
      return undefined;
    }
    const session = new URL(res.headers.get("location") ?? url, url).toString();
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    const video = this.video("WebRTC preview");
    video.srcObject = stream;
    return {
      video,
      stop: () => {
        pc.close();
        void fetch(session, { method: "DELETE" }).catch(() => undefined);
      },
    };
  }

  private video(label: string): HTMLVideoElement {
    const video = h("video", {
      "aria-label": label,
      muted: true,
      autoplay: true,
      playsinline: true,
      controls: true,
    });
    video.muted = true;
    return video;
  }
}
