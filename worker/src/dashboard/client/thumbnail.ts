import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { h } from "./dom.ts";
import type { Viewing } from "./viewing-urls.ts";

/** The card's frame size: 16:9, the whole frame kept and padded with black (`fit=fill`, §13.1). */
const FRAME = "width=320&height=180&fit=fill";

/**
 * A live channel's current frame, from the delivery host's thumbnail URL, taken again with each
 * status the card gets (at most every refresh interval). Fetched rather than set as `src`, since
 * the URL stays the same while the frame changes. A private channel's is taken through a token
 * (viewing-urls.ts), asked for again each time from there, so that it moves onto a fresh token
 * when the preview does. A frame the host refuses or does not have yet leaves the last one, or nothing.
 */
export class Thumbnail {
  readonly element = h("img", { class: "thumbnail", alt: "Current frame of the broadcast", hidden: true });
  private objectUrl: string | undefined;
  private loading = false;
  /** Bumped when the channel stops being live, so that a frame still on its way is not shown. */
  private generation = 0;

  constructor(private readonly urlsOf: (status: ChannelStatusView) => Promise<Viewing>) {}

  update(status: ChannelStatusView): void {
    if (!status.connected) {
      this.clear();
      return;
    }
    if (this.loading) return;
    this.loading = true;
    void this.load(status).finally(() => {
      this.loading = false;
    });
  }

  clear(): void {
    this.generation += 1;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = undefined;
    this.element.hidden = true;
    this.element.removeAttribute("src");
  }

  private async load(status: ChannelStatusView): Promise<void> {
    const generation = this.generation;
    const viewing = await this.urlsOf(status).catch(() => undefined);
    if (!viewing) return;
    const res = await fetch(`${viewing.playback.thumbnail}?${FRAME}`, { cache: "no-store" }).catch(
      () => undefined,
    );
    if (!res?.ok || res.headers.get("content-type") !== "image/jpeg") return;
    const jpeg = await res.blob();
    if (generation !== this.generation) return;
    const previous = this.objectUrl;
    this.objectUrl = URL.createObjectURL(jpeg);
    this.element.src = this.objectUrl;
    this.element.hidden = false;
    if (previous) URL.revokeObjectURL(previous);
  }
}
