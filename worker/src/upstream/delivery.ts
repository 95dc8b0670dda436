import * as z from "zod/mini";
import { lifecycle } from "#contracts/cloudflare/stream.ts";
import { bareProtocol, UpstreamError, UpstreamHttp, type UpstreamOptions } from "./http.ts";

/** A lifecycle answer about a live input: one that names a video uid is no live input of ours. */
const inputLifecycle = z.object({ ...lifecycle.shape, isInput: z.literal(true) });

/** The live viewer count, a bare object (docs/reference/cloudflare-api.md §12.1). */
const viewCount = z.object({ liveViewers: z.int().check(z.gte(0)) });

/**
 * Stream's delivery host, the account's `https://customer-<code>.cloudflarestream.com`: whether a
 * live input is live, from its `/lifecycle` (docs/reference/cloudflare-api.md §1.6; Cloudflare's
 * "Watch a live stream": `{ isInput, videoUID, live }`, no envelope). It is where the Stream Player
 * checks a live input from viewers' browsers, not the REST API: it needs no credential (the docs'
 * example sends an API token; the player has none to send) and costs nothing of the token's 1,200
 * calls per 5 minutes. Cloudflare documents no limit on it; the channel status objects ask at most once per
 * input per refresh interval.
 */
export class StreamDelivery {
  private readonly http: UpstreamHttp;

  constructor(playbackBase: string, options: UpstreamOptions = {}) {
    this.http = new UpstreamHttp(
      "delivery",
      playbackBase.replace(/\/+$/, ""),
      undefined,
      bareProtocol,
      options,
    );
  }

  lifecycle(uid: string) {
    return this.http.call({
      method: "GET",
      path: `/${encodeURIComponent(uid)}/lifecycle`,
      response: inputLifecycle,
      idempotent: true,
    });
  }

  /**
   * The input's live viewers, or undefined when the input hides its count
   * (`recording.hideLiveViewerCount`): Cloudflare documents no answer for that, the emulator's 403
   * is a guess (§12.1), so a 403 or 404 reads as hidden and any other failure is thrown.
   */
  async viewers(uid: string): Promise<number | undefined> {
    try {
      const { liveViewers } = await this.http.call({
        method: "GET",
        path: `/${encodeURIComponent(uid)}/views`,
        response: viewCount,
        idempotent: true,
      });
      return liveViewers;
    } catch (error) {
      if (error instanceof UpstreamError && (error.status === 403 || error.status === 404)) return undefined;
      throw error;
    }
  }
}
