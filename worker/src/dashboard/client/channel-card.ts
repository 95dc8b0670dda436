import type { ChannelFeedState } from "#client/browser.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { type Api, messageOf } from "./api.ts";
import { h, timeOf } from "./dom.ts";
import { field } from "./fields.ts";
import { indicatorOf } from "./indicator.ts";
import { Preview } from "./preview.ts";
import { RestreamList } from "./restream-list.ts";
import { Thumbnail } from "./thumbnail.ts";
import { ViewingUrls } from "./viewing-urls.ts";

/**
 * One channel: its indicator, how its live updates are doing, playback URLs, and the ingest
 * details on request (asking for them keeps the channel ready: a disabled input is re-enabled).
 */
export class ChannelCard {
  readonly element: HTMLElement;
  private readonly indicator = h("span", { class: "indicator", "data-state": "ready", role: "status" });
  private readonly detail = h("p", { class: "detail" });
  private readonly feedLine = h("p", { class: "feed", "data-feed": "connecting" }, "Connecting…");
  /** Live viewers, while the channel is live and its input shows the count. */
  private readonly viewers = h("p", { class: "viewers", hidden: true });
  private readonly playback = h("dl", { class: "fields" });
  private readonly privateNote = h(
    "p",
    { class: "hint", hidden: true },
    "A private channel: these URLs play only with a token from POST /api/stream/playback-token in place of the live input id.",
  );
  private readonly ingest = h("div", { class: "ingest" });
  private readonly preview: Preview;
  private readonly restream = new RestreamList();
  private readonly thumbnail: Thumbnail;
  private latest: ChannelStatusView | undefined;
  private countdown: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly channel: string,
    private readonly api: Api,
  ) {
    const viewing = new ViewingUrls(channel, api);
    const urlsOf = (status: ChannelStatusView) => viewing.of(status);
    this.preview = new Preview(urlsOf);
    this.thumbnail = new Thumbnail(urlsOf);
    const headingId = `channel-${channel}`;
    const getIngest = h("button", { type: "button" }, "Get ingest details");
    getIngest.addEventListener("click", () => void this.loadIngest(getIngest));
    this.element = h(
      "article",
      { class: "card", "data-channel": channel, "aria-labelledby": headingId },
      h("header", {}, h("h3", { id: headingId }, channel), this.indicator),
      this.detail,
      this.viewers,
      this.feedLine,
      this.thumbnail.element,
      this.preview.element,
      h("h4", {}, "Playback"),
      this.playback,
      this.privateNote,
      h("h4", {}, "Restream"),
      this.restream.element,
      h("h4", {}, "Ingest"),
      h(
        "p",
        { class: "hint" },
        "The stream key and WHIP URL are credentials: they stay hidden until you ask.",
      ),
      this.ingest,
      getIngest,
    );
    this.render(undefined, "no answer yet");
  }

  /** Newer news only: a poll that raced an event must not put an older status back. */
  status(status: ChannelStatusView): void {
    if (this.latest && Date.parse(status.checked_at) < Date.parse(this.latest.checked_at)) return;
    const playbackChanged = JSON.stringify(status.playback) !== JSON.stringify(this.latest?.playback);
    this.latest = status;
    this.render(status);
    this.privateNote.hidden = !status.signed;
    this.preview.update(status);
    this.restream.update(status.outputs);
    this.thumbnail.update(status);
    if (playbackChanged) {
      this.playback.replaceChildren(
        field("HLS URL", status.playback.hls),
        field("DASH URL", status.playback.dash),
        field("WHEP URL", status.playback.whep),
      );
    }
  }

  unavailable(message: string): void {
    this.latest = undefined;
    this.preview.stop();
    this.thumbnail.clear();
    this.render(undefined, message);
  }

  /** Signed out: the preview, its token renewals and the frame stop, and the countdown with them. */
  stop(): void {
    this.preview.stop();
    this.thumbnail.clear();
    clearInterval(this.countdown);
  }

  feed(state: ChannelFeedState): void {
    clearInterval(this.countdown);
    this.feedLine.dataset.feed = state.kind;
    if (state.kind === "live") this.feedLine.textContent = "Live updates";
    else if (state.kind === "connecting") this.feedLine.textContent = "Connecting…";
    else {
      const tick = () => {
        const seconds = Math.ceil((state.retryAt - Date.now()) / 1000);
        this.feedLine.textContent =
          seconds > 0 ? `Reconnecting in ${seconds} s… (updates paused)` : "Reconnecting…";
      };
      tick();
      this.countdown = setInterval(tick, 1_000);
    }
  }

  private render(status: ChannelStatusView | undefined, unavailable?: string): void {
    const shown = indicatorOf(status, unavailable);
    this.indicator.dataset.state = shown.state;
    this.indicator.textContent = shown.label;
    // A stale status is the last one known: shown as it was, and said to be possibly out of date.
    this.element.dataset.stale = String(status?.stale ?? false);
    const count = status?.viewers;
    this.viewers.hidden = count === undefined;
    this.viewers.textContent =
      count === undefined ? "" : `${count} ${count === 1 ? "viewer" : "viewers"} watching`;
    this.detail.textContent = !status
      ? shown.detail
      : status.stale
        ? `${shown.detail} · last known at ${timeOf(status.checked_at)}: Cloudflare cannot be read right now, so this may be out of date`
        : `${shown.detail} · checked ${timeOf(status.checked_at)}`;
  }

  private async loadIngest(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const data = await this.api.streamConnect({ channel: this.channel });
      const { rtmps, srt, whip } = data.ingest;
      this.ingest.replaceChildren(
        h(
          "dl",
          { class: "fields" },
          field("RTMPS URL", rtmps.url),
          field("Stream key", rtmps.stream_key, { secret: true }),
          field("SRT URL", srt.url),
          field("SRT stream id", srt.stream_id),
          field("SRT passphrase", srt.passphrase, { secret: true }),
          field("WHIP URL", whip.url, { secret: true }),
        ),
        data.reenabled
          ? h("p", { class: "hint" }, "The live input was disabled and has been enabled again.")
          : "",
        // Cloudflare could not be read (these are the details last read), or re-enabling failed.
        data.note ? h("p", { class: "hint", role: "status" }, data.note) : "",
      );
      this.status(data.status);
      button.remove();
    } catch (error) {
      this.ingest.replaceChildren(h("p", { class: "failure", role: "alert" }, messageOf(error)));
      button.disabled = false;
    }
  }
}
