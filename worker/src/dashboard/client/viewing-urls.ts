import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { SharedCall } from "#contracts/shared-call.ts";
import type { Api } from "./api.ts";

/** URLs to play a channel from, and when to move onto fresh ones before their token lapses. */
export interface Viewing {
  playback: ChannelStatusView["playback"];
  /** Epoch milliseconds from which these URLs are asked for again; undefined when they never lapse. */
  renewAt: number | undefined;
}

/** A token is asked for again this long before it lapses, so that nothing starts on one about to. */
const RENEW_BEFORE_MS = 60_000;
/**
 * A short token (a stack may configure them down to 60 s) is asked for again once three quarters of
 * its life have passed instead, so that it is used for a while before the next one.
 */
const RENEW_SHARE_OF_LIFE = 0.25;
/**
 * A token is kept at least this long, even if the browser's clock runs so far ahead of the
 * Worker's that it looks already lapsed: the page then mints a few tokens a minute, not one a call.
 */
const MIN_HOLD_MS = 10_000;

/** When URLs received at `now`, whose token lapses at `expiresAt` (null: never), are to be renewed. */
export function renewalOf(expiresAt: string | null, now: number): number | undefined {
  if (expiresAt === null) return undefined;
  const life = Date.parse(expiresAt) - now;
  const ahead = Math.min(RENEW_BEFORE_MS, life * RENEW_SHARE_OF_LIFE);
  return now + Math.max(life - ahead, MIN_HOLD_MS);
}

/**
 * The URLs this page plays a channel from. A public channel's are in its status. A private
 * channel's (`signed`) carry a playback token in place of the live input id, which Stream's
 * delivery host needs; it is asked of the Worker with the dashboard's own sign-in
 * (`POST /api/stream/playback-token`, with the stack's default lifetime), and kept until its
 * renewal time, since the thumbnail is taken again with every status and each token counts
 * against the minting limit. The preview and the thumbnail share it, and a renewal that both
 * ask for at once is one call.
 */
export class ViewingUrls {
  private held: Viewing | undefined;
  private readonly asking = new SharedCall<Viewing>();

  constructor(
    private readonly channel: string,
    private readonly api: Pick<Api, "streamPlaybackToken">,
  ) {}

  of(status: ChannelStatusView): Promise<Viewing> {
    if (!status.signed) return Promise.resolve({ playback: status.playback, renewAt: undefined });
    const held = this.held;
    if (held && (held.renewAt === undefined || Date.now() < held.renewAt)) return Promise.resolve(held);
    return this.asking.run(async () => {
      const data = await this.api.streamPlaybackToken({ channel: this.channel });
      this.held = { playback: data.playback, renewAt: renewalOf(data.expires_at, Date.now()) };
      return this.held;
    });
  }
}
