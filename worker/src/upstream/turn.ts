import { iceServersResponse, turnCredentialRequest } from "#contracts/cloudflare/realtime.ts";
import type { Config } from "../config.ts";
import { realtimeProtocol, UpstreamHttp, type UpstreamOptions } from "./http.ts";

/** Cloudflare Realtime TURN credentials, with the TURN key's secret. */
export class TurnClient {
  private readonly http: UpstreamHttp;

  constructor(
    config: Pick<Config, "TURN_KEY_ID" | "TURN_KEY_SECRET" | "REALTIME_API_BASE">,
    options: UpstreamOptions = {},
  ) {
    this.http = new UpstreamHttp(
      "turn",
      `${config.REALTIME_API_BASE}/turn/keys/${config.TURN_KEY_ID}`,
      config.TURN_KEY_SECRET,
      realtimeProtocol,
      options,
    );
  }

  /** The current endpoint (an array of ICE servers). Never retried: each call mints a credential. */
  generateIceServers(ttl: number, customIdentifier?: string) {
    return this.http.call({
      method: "POST",
      path: "/credentials/generate-ice-servers",
      request: {
        schema: turnCredentialRequest,
        body: { ttl, ...(customIdentifier ? { customIdentifier } : {}) },
      },
      response: iceServersResponse,
      idempotent: false,
    });
  }
}
