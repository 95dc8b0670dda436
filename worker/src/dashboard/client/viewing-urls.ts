import type { ChannelStatusView } from "#contracts/api/stream.ts";
import type { Api } from "./api.ts";

export type Playback = ChannelStatusView["playback"];

/** A token is asked for again this long before it lapses, so that a preview never starts on one about to. */
const RENEW_BEFORE_MS = 60_000;

/**
 * The URLs this page plays a channel from. A public channel's are in its status. A private
 * channel's (`signed`) carry a playback token in place of the live input id, which Stream's
 * delivery host needs; it is asked of the Worker with the dashboard's own sign-in
 * (`POST /api/stream/playback-token`), and kept until shortly before it lapses, since the
 * thumbnail is taken again with every status and each token counts against the minting limit.
 */
export class ViewingUrls {
  private held: { playback: Playback; until: number } | undefined;
  private asking: Promise<Playback> | undefined;

  constructor(
    private readonly channel: string,
    private readonly api: Api,
  ) {}

  of(status: ChannelStatusView): Promise<Playback> {
    if (!status.signed) return Promise.resolve(status.playback);
    if (this.held && Date.now() < this.held.until) return Promise.resolve(this.held.playback);
    this.asking ??= this.api
      .streamPlaybackToken({ channel: this.channel })
      .then((data) => {
        const until = data.expires_at
          ? Date.parse(data.expires_at) - RENEW_BEFORE_MS
          : Number.POSITIVE_INFINITY;
        this.held = { playback: data.playback, until };
        return data.playback;
      })
      .finally(() => {
        this.asking = undefined;
      });
    return this.asking;
  }
}
