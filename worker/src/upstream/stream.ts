import { liveInput, liveInputWrite } from "#contracts/cloudflare/stream.ts";
import type { Config } from "../config.ts";
import { UpstreamHttp, type UpstreamOptions, v4Protocol } from "./http.ts";

/** Cloudflare Stream live inputs (REST v4), with the Worker's least-privilege API token. */
export class StreamClient {
  private readonly http: UpstreamHttp;

  constructor(
    config: Pick<Config, "ACCOUNT_ID" | "STREAM_API_TOKEN" | "CF_API_BASE">,
    options: UpstreamOptions = {},
  ) {
    this.http = new UpstreamHttp(
      "stream",
      `${config.CF_API_BASE}/accounts/${config.ACCOUNT_ID}/stream/live_inputs`,
      config.STREAM_API_TOKEN,
      v4Protocol,
      options,
    );
  }

  getLiveInput(uid: string) {
    return this.http.call({
      method: "GET",
      path: `/${encodeURIComponent(uid)}`,
      response: liveInput,
      idempotent: true,
    });
  }

  /** A PUT of an absolute value: repeating it changes nothing, so it may be retried. */
  enableLiveInput(uid: string) {
    return this.http.call({
      method: "PUT",
      path: `/${encodeURIComponent(uid)}`,
      request: { schema: liveInputWrite, body: { enabled: true } },
      response: liveInput,
      idempotent: true,
    });
  }
}
