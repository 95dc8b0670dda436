import type * as z from "zod/mini";
import {
  dataChannelsNewRequest,
  dataChannelsNewResponse,
  newSessionResponse,
  renegotiateRequest,
  renegotiateResponse,
  sessionState,
  tracksCloseRequest,
  tracksCloseResponse,
  tracksNewRequest,
  tracksNewResponse,
} from "#contracts/cloudflare/realtime.ts";
import type { Config } from "../config.ts";
import { realtimeProtocol, UpstreamHttp, type UpstreamOptions } from "./http.ts";

/** Cloudflare Realtime SFU sessions and tracks, with the app secret. */
export class SfuClient {
  private readonly http: UpstreamHttp;

  constructor(
    config: Pick<Config, "SFU_APP_ID" | "SFU_APP_SECRET" | "REALTIME_API_BASE">,
    options: UpstreamOptions = {},
  ) {
    this.http = new UpstreamHttp(
      "sfu",
      `${config.REALTIME_API_BASE}/apps/${config.SFU_APP_ID}/sessions`,
      config.SFU_APP_SECRET,
      realtimeProtocol,
      options,
    );
  }

  newSession() {
    return this.http.call({ method: "POST", path: "/new", response: newSessionResponse, idempotent: false });
  }

  tracksNew(sessionId: string, body: z.input<typeof tracksNewRequest>) {
    return this.http.call({
      method: "POST",
      path: `/${encodeURIComponent(sessionId)}/tracks/new`,
      request: { schema: tracksNewRequest, body },
      response: tracksNewResponse,
      idempotent: false,
    });
  }

  dataChannelsNew(sessionId: string, body: z.input<typeof dataChannelsNewRequest>) {
    return this.http.call({
      method: "POST",
      path: `/${encodeURIComponent(sessionId)}/datachannels/new`,
      request: { schema: dataChannelsNewRequest, body },
      response: dataChannelsNewResponse,
      idempotent: false,
    });
  }

  renegotiate(sessionId: string, body: z.input<typeof renegotiateRequest>) {
    return this.http.call({
      method: "PUT",
      path: `/${encodeURIComponent(sessionId)}/renegotiate`,
      request: { schema: renegotiateRequest, body },
      response: renegotiateResponse,
      idempotent: false,
    });
  }

  tracksClose(sessionId: string, body: z.input<typeof tracksCloseRequest>) {
    return this.http.call({
      method: "PUT",
      path: `/${encodeURIComponent(sessionId)}/tracks/close`,
      request: { schema: tracksCloseRequest, body },
      response: tracksCloseResponse,
      idempotent: false,
    });
  }

  getSession(sessionId: string) {
    return this.http.call({
      method: "GET",
      path: `/${encodeURIComponent(sessionId)}`,
      response: sessionState,
      idempotent: true,
    });
  }
}
