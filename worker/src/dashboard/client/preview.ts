import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { messageOf } from "./api.ts";
import { h } from "./dom.ts";
import type { Viewing } from "./viewing-urls.ts";

/** Tries this often while a live channel has nothing to play yet (HLS waits for its first segment). */
const RETRY_MS = 2_000;
const ATTEMPTS = 15;
/** How long a preview on a fresh token has to start playing before it counts as failed and is tried again. */
const TAKE_OVER_WITHIN_MS = 15_000;

/** A preview that plays: its element, how to end it, and whether its source lapses with its token. */
interface Playing {
  video: HTMLVideoElement;
  stop: () => void;
  renews: boolean;
}

/**
 * A live channel's preview: HLS in the browser's own player for an RTMPS or SRT broadcast (a channel
 * that records), WHEP for a WHIP broadcast, whichever the delivery host plays, as on Cloudflare,
 * where each input plays one way only. A private channel plays through a token (viewing-urls.ts).
 * Gone when the channel is no longer live.
 *
 * An HLS preview of a private channel fetches every playlist and segment with its token, and
 * Stream refuses them all once it lapses (docs/reference/cloudflare-api.md §11.2, `exp`: "after
 * which the token will stop working"). The browser's own HLS player offers no hook to rewrite the
 * URLs it fetches, so the only way onto a fresh token is a new source, and setting one on the
 * playing element drops its buffer and shows black until the new playlist plays. So the preview
 * is renewed ahead of the lapse: a second player starts out of sight on the fresh token and takes
 * the old one's place only once it plays, which leaves at most the jump to the live edge. If that
 * comes too late anyway (a throttled background tab fires timers late), the player's error on the
 * refused URLs starts the same renewal at once.
 */
export class Preview {
  readonly element = h("div", { class: "preview", hidden: true });
  private readonly note = h("p", { class: "hint" });
  private playing: Playing | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private latest: ChannelStatusView | undefined;
  /** Whether a fresh player is being started, so that an error meanwhile starts no second one. */
  private renewing = false;

  constructor(private readonly urlsOf: (status: ChannelStatusView) => Promise<Viewing>) {}

  update(status: ChannelStatusView): void {
    if (!status.connected) {
      this.stop();
      return;
    }
    this.latest = status;
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
    this.playing?.stop();
    this.playing = undefined;
    this.element.hidden = true;
    this.element.replaceChildren();
  }

  private async attempt(status: ChannelStatusView, generation: number, n: number): Promise<void> {
    this.timer = undefined;
    let viewing: Viewing;
    try {
      viewing = await this.urlsOf(status);
    } catch (error) {
      if (generation === this.generation) this.note.textContent = `No preview: ${messageOf(error)}`;
      return;
    }
    const started = (await this.hls(viewing.playback.hls)) ?? (await this.whep(viewing.playback.whep));
    if (generation !== this.generation) {
      started?.stop();
      return;
    }
    if (started) {
      this.show(started, viewing, generation);
      return;
    }
    if (n >= ATTEMPTS) {
      this.note.textContent =
        "No preview: the broadcast plays neither over HLS (the channel does not record) nor WHEP.";
      return;
    }
    this.timer = setTimeout(() => void this.attempt(status, generation, n + 1), RETRY_MS);
  }

  /** Puts a playing preview in place of whatever the element shows, and plans its renewal. */
  private show(next: Playing, viewing: Viewing, generation: number): void {
    const previous = this.playing;
    this.playing = next;
    next.video.hidden = false;
    this.element.replaceChildren(next.video);
    previous?.stop();
    if (!next.renews) return;
    next.video.addEventListener("error", () => {
      if (this.playing !== next || this.renewing) return;
      clearTimeout(this.timer);
      void this.renew(generation);
    });
    if (viewing.renewAt !== undefined) this.renewAt(viewing.renewAt, generation);
  }

  private renewAt(at: number, generation: number): void {
    this.timer = setTimeout(() => void this.renew(generation), Math.max(0, at - Date.now()));
  }

  /** Starts the preview on fresh URLs out of sight, and swaps it in once it plays. */
  private async renew(generation: number): Promise<void> {
    this.timer = undefined;
    const status = this.latest;
    if (!status || generation !== this.generation) return;
    this.renewing = true;
    try {
      await this.takeOver(status, generation);
    } finally {
      this.renewing = false;
    }
  }

  private async takeOver(status: ChannelStatusView, generation: number): Promise<void> {
    const viewing = await this.urlsOf(status).catch(() => undefined);
    const next = viewing ? await this.hls(viewing.playback.hls) : undefined;
    if (next) {
      next.video.hidden = true;
      this.element.append(next.video);
    }
    const plays = next ? await playsWithin(next.video, TAKE_OVER_WITHIN_MS) : false;
    if (generation !== this.generation || !next || !viewing || !plays) {
      next?.stop();
      next?.video.remove();
      // The old token still plays for a while: try again soon, until the channel stops being live.
      if (generation === this.generation) this.renewAt(Date.now() + RETRY_MS, generation);
      return;
    }
    this.show(next, viewing, generation);
  }

  private async hls(url: string): Promise<Playing | undefined> {
    // 204 until the broadcast has a segment, and for a broadcast that plays over WHEP only.
    const res = await fetch(url, { cache: "no-store" }).catch(() => undefined);
    if (res?.status !== 200) return undefined;
    const video = this.video("HLS preview");
    if (!video.canPlayType("application/vnd.apple.mpegurl")) {
      this.note.textContent = `This browser does not play HLS itself: open ${url} in a player.`;
      return undefined;
    }
    video.src = url;
    // Asked explicitly: autoplay alone may wait while the element is out of sight.
    void video.play().catch(() => undefined);
    return { video, stop: () => video.removeAttribute("src"), renews: true };
  }

  /**
   * A WHEP preview presents its token once, when it opens its session; the session resource it is
   * answered with is its own capability, so it plays on after the token lapses and needs no
   * renewal. Cloudflare documents signed WHEP URLs but not what a lapse does to an open session
   * (docs/reference/cloudflare-api.md §11.3); the emulator keeps it, as this relies on.
   */
  private async whep(url: string): Promise<Playing | undefined> {
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
      renews: false,
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

/** Whether the video starts playing within `ms`. */
function playsWithin(video: HTMLVideoElement, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (plays: boolean) => {
      clearTimeout(timer);
      video.removeEventListener("playing", onPlaying);
      video.removeEventListener("error", onError);
      resolve(plays);
    };
    const onPlaying = () => settle(true);
    const onError = () => settle(false);
    const timer = setTimeout(() => settle(false), ms);
    video.addEventListener("playing", onPlaying);
    video.addEventListener("error", onError);
  });
}
