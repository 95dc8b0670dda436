import { type IceServer, iceServersResponse, turnCredentialRequest } from "#contracts/cloudflare/realtime.ts";
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

const PORT_53 = /:53(\?|$)/;

/**
 * Cloudflare's ICE servers minus port-53 URLs, which browsers try and time out on without trickle
 * ICE (Cloudflare's advice); a server left with no URL is dropped, the rest keep their shape.
 */
export function withoutPort53(servers: IceServer[]): IceServer[] {
  return servers.flatMap((server) => {
    if (typeof server.urls === "string") return PORT_53.test(server.urls) ? [] : [server];
    const urls = server.urls.filter((url) => !PORT_53.test(url));
    return urls.length > 0 ? [{ ...server, urls }] : [];
  });
}
