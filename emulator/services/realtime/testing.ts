import { sfuAppWithSecret, turnKeyWithKey } from "../../../contracts/cloudflare/calls.ts";
import { cfSuccess } from "../../../contracts/cloudflare/envelope.ts";
import type { RunningEmulator } from "../../server.ts";
import { accountFetch, jsonInit } from "../../testing.ts";

/** Test helpers for the Realtime API: its credentials made through the REST API, and calls to it. */

export async function createTurnKey(emu: RunningEmulator): Promise<{ id: string; secret: string }> {
  const res = await accountFetch(emu)("/calls/turn_keys", jsonInit("POST", { name: "test" }));
  const { uid, key } = cfSuccess(turnKeyWithKey).parse(await res.json()).result;
  return { id: uid, secret: key };
}

export async function createSfuApp(emu: RunningEmulator): Promise<{ id: string; secret: string }> {
  const res = await accountFetch(emu)("/calls/apps", jsonInit("POST", { name: "test" }));
  const { uid, secret } = cfSuccess(sfuAppWithSecret).parse(await res.json()).result;
  return { id: uid, secret };
}

/** `fetch` on the Realtime API with a bearer and, when there is a body, a JSON content type. */
export const realtimeFetch =
  (emu: RunningEmulator) =>
  (path: string, bearer: string | undefined, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${emu.realtimeBase}${path}`, {
      method: init.method ?? "POST",
      headers: {
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
    });

/** Shaped like a browser's publish offer (trimmed): two tracks and a data channel. */
export const BROWSER_OFFER = [
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1 2",
  "a=extmap-allow-mixed",
  "a=msid-semantic: WMS stream-a",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
  "c=IN IP4 0.0.0.0",
  "a=rtcp:9 IN IP4 0.0.0.0",
  "a=ice-ufrag:Fz7H",
  "a=ice-pwd:f6Q2v1uJx9T2Z4Y9aOqV3m0H",
  "a=ice-options:trickle",
  "a=fingerprint:sha-256 4E:1B:66:9C:1F:7A:23:4D:8B:62:71:0A:AB:9D:51:3E:92:61:4D:55:9E:7C:20:BC:8A:33:0F:6E:47:92:0B:1C",
  "a=setup:actpass",
  "a=mid:0",
  "a=sendonly",
  "a=msid:stream-a track-audio",
  "a=rtcp-mux",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
  "c=IN IP4 0.0.0.0",
  "a=mid:1",
  "a=sendonly",
  "a=rtpmap:96 VP8/90000",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "c=IN IP4 0.0.0.0",
  "a=mid:2",
  "a=sctp-port:5000",
  "",
].join("\r\n");
