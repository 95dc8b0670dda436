import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { MediaStreamTrack, type RTCRtpTransceiver, RtpHeader, RtpPacket } from "werift";
import { sfuAppWithSecret, turnKeyWithKey } from "#contracts/cloudflare/calls.ts";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";
import {
  newSessionResponse,
  realtimeError,
  sessionState,
  tracksNewResponse,
} from "#contracts/cloudflare/realtime.ts";
import { EmulatorAdmin } from "../../admin-client.ts";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../server.ts";
import { accountFetch, jsonInit } from "../../testing.ts";
import { connectedWithin, describeLocally, loopbackPeer } from "../media/webrtc/peer.ts";

/** Test helpers for the Realtime API: its credentials made through the REST API, and calls to it. */

/** Where an emulator answers, in this process or another (the benchmarks run it apart). */
export type EmulatorAddress = Pick<RunningEmulator, "apiBase" | "realtimeBase" | "accountId" | "adminToken">;

export async function createTurnKey(emu: EmulatorAddress): Promise<{ id: string; secret: string }> {
  const res = await accountFetch(emu)("/calls/turn_keys", jsonInit("POST", { name: "test" }));
  const { uid, key } = cfSuccess(turnKeyWithKey).parse(await res.json()).result;
  return { id: uid, secret: key };
}

export async function createSfuApp(emu: EmulatorAddress): Promise<{ id: string; secret: string }> {
  const res = await accountFetch(emu)("/calls/apps", jsonInit("POST", { name: "test" }));
  const { uid, secret } = cfSuccess(sfuAppWithSecret).parse(await res.json()).result;
  return { id: uid, secret };
}

/** `fetch` on the Realtime API with a bearer and, when there is a body, a JSON content type. */
export const realtimeFetch =
  (emu: Pick<RunningEmulator, "realtimeBase">) =>
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

/** `fetch` on one SFU app's `/v1/apps/<id>` paths with its secret. */
export const sfuAppFetch =
  (emu: Pick<RunningEmulator, "realtimeBase">, app: { id: string; secret: string }) =>
  (path: string, body?: unknown, method = "POST") =>
    realtimeFetch(emu)(`/apps/${app.id}${path}`, app.secret, {
      method,
      ...(body === undefined ? {} : { body }),
    });

/** RTP a test publisher sends: a sequence number per packet, a payload it can be told by. */
export function testPacket(sequenceNumber: number, payloadType = 96): RtpPacket {
  return new RtpPacket(
    new RtpHeader({ sequenceNumber, timestamp: sequenceNumber * 3000, payloadType, marker: true }),
    Buffer.from(`packet ${sequenceNumber}`),
  );
}

/**
 * A werift client of the SFU, as an app's endpoint would be: one peer connection per session that
 * publishes with its own offers (`tracks/new` local) and pulls by answering the SFU's offers
 * (`tracks/new` remote, then `renegotiate`).
 */
export class SfuTestClient {
  /** What this client publishes, by track name: write RTP to it to send. */
  readonly published = new Map<string, { track: MediaStreamTrack; transceiver: RTCRtpTransceiver }>();

  /** Who listens to the RTP arriving on each transceiver. */
  private readonly listeners = new Map<RTCRtpTransceiver, Set<(rtp: RtpPacket) => void>>();

  private constructor(
    private readonly call: ReturnType<typeof sfuAppFetch>,
    readonly sessionId: string,
    readonly pc = loopbackPeer(),
  ) {
    this.pc.onRemoteTransceiverAdded.subscribe((transceiver) => {
      const listeners = new Set<(rtp: RtpPacket) => void>();
      this.listeners.set(transceiver, listeners);
      transceiver.onTrack.subscribe((track) =>
        track.onReceiveRtp.subscribe((rtp) => {
          for (const listener of listeners) listener(rtp);
        }),
      );
    });
  }

  /**
   * A new session. With `dataChannels` it connects at once with a DataChannel transport, as the
   * older clients did: an offer with the new session (Cloudflare's echo-datachannels example).
   */
  static async create(
    emu: Pick<RunningEmulator, "realtimeBase">,
    app: { id: string; secret: string },
    options: { dataChannels?: boolean } = {},
  ): Promise<SfuTestClient> {
    const call = sfuAppFetch(emu, app);
    if (!options.dataChannels) {
      const res = await call("/sessions/new");
      if (res.status !== 201) throw new Error(`sessions/new: ${res.status} ${await res.text()}`);
      return new SfuTestClient(call, newSessionResponse.parse(await res.json()).sessionId);
    }
    const pc = loopbackPeer();
    pc.createDataChannel("server-events");
    const offer = await describeLocally(pc, pc.createOffer());
    const res = await call("/sessions/new", { sessionDescription: offer });
    if (res.status !== 201) throw new Error(`sessions/new: ${res.status} ${await res.text()}`);
    const { sessionId, sessionDescription } = newSessionResponse.parse(await res.json());
    await pc.setRemoteDescription(sessionDescription!);
    return new SfuTestClient(call, sessionId, pc);
  }

  /** Publishes one track per entry (and a DataChannel transport with `dataChannels`); the SFU answers. */
  async publish(
    tracks: { trackName: string; kind: "audio" | "video" }[],
    options: { dataChannels?: boolean } = {},
  ) {
    const added = tracks.map(({ trackName, kind }) => {
      const track = new MediaStreamTrack({ kind });
      const transceiver = this.pc.addTransceiver(track, { direction: "sendonly" });
      this.published.set(trackName, { track, transceiver });
      return { trackName, transceiver };
    });
    if (options.dataChannels) this.pc.createDataChannel("server-events");
    const offer = await describeLocally(this.pc, this.pc.createOffer());
    const res = await this.call(`/sessions/${this.sessionId}/tracks/new`, {
      sessionDescription: offer,
      tracks: added.map(({ trackName, transceiver }) => ({
        location: "local",
        mid: transceiver.mid,
        trackName,
      })),
    });
    if (res.status !== 200) throw new Error(`tracks/new (local): ${res.status} ${await res.text()}`);
    const body = tracksNewResponse.parse(await res.json());
    await this.pc.setRemoteDescription(body.sessionDescription!);
    return body;
  }

  /** Pulls tracks of other sessions: applies the SFU's offer and answers it through renegotiate. */
  async pull(tracks: { sessionId: string; trackName: string }[]) {
    const res = await this.call(`/sessions/${this.sessionId}/tracks/new`, {
      tracks: tracks.map((t) => ({ location: "remote", ...t })),
    });
    if (res.status !== 200) throw new Error(`tracks/new (remote): ${res.status} ${await res.text()}`);
    const body = tracksNewResponse.parse(await res.json());
    if (body.requiresImmediateRenegotiation) {
      await this.pc.setRemoteDescription(body.sessionDescription!);
      const answer = await describeLocally(this.pc, this.pc.createAnswer());
      const renegotiated = await this.call(
        `/sessions/${this.sessionId}/renegotiate`,
        { sessionDescription: answer },
        "PUT",
      );
      if (renegotiated.status !== 200)
        throw new Error(`renegotiate: ${renegotiated.status} ${await renegotiated.text()}`);
    }
    return body;
  }

  /** Calls `listener` with each packet that arrives on a pulled track's mid from now on. */
  onRtp(mid: string, listener: (rtp: RtpPacket) => void): void {
    const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
    const listeners = transceiver && this.listeners.get(transceiver);
    if (!listeners) throw new Error(`no pulled track on mid ${mid}`);
    listeners.add(listener);
  }

  /** The packets that arrive on a pulled track's mid from now on, as they arrive. */
  received(mid: string): RtpPacket[] {
    const packets: RtpPacket[] = [];
    this.onRtp(mid, (rtp) => packets.push(rtp));
    return packets;
  }

  /** Sends `count` test packets on a published track, `intervalMs` apart. */
  async send(trackName: string, count: number, intervalMs = 5, firstSequenceNumber = 1): Promise<void> {
    const { track } = this.published.get(trackName)!;
    for (let i = 0; i < count; i++) {
      track.writeRtp(testPacket(firstSequenceNumber + i));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** `datachannels/new` on this session; the ids it answers are for negotiated channels here. */
  async dataChannels(channels: object[]) {
    const res = await this.call(`/sessions/${this.sessionId}/datachannels/new`, { dataChannels: channels });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  connected(timeoutMs = 10_000): Promise<boolean> {
    return connectedWithin(this.pc, timeoutMs);
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}

/** A Realtime error answer: this status and `errorCode`. */
export async function expectRealtimeError(res: Response, status: number, errorCode: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(realtimeError.parse(await res.json()).errorCode).toBe(errorCode);
}

/**
 * One emulator for an SFU test file, reset before each test with a fresh SFU app; the werift
 * clients a test makes with `client` are closed after it.
 */
export function useSfu(options?: EmulatorOptions) {
  const ctx = {} as {
    emu: RunningEmulator;
    app: { id: string; secret: string };
    /** The app's `/v1/apps/<id>` paths with its secret. */
    call: ReturnType<typeof sfuAppFetch>;
  };
  const clients: SfuTestClient[] = [];
  beforeAll(async () => {
    ctx.emu = await startEmulator(options);
  });
  afterAll(() => ctx.emu.close());
  beforeEach(async () => {
    await new EmulatorAdmin(ctx.emu.url, ctx.emu.adminToken).reset();
    ctx.app = await createSfuApp(ctx.emu);
    ctx.call = sfuAppFetch(ctx.emu, ctx.app);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  return {
    ctx,
    client: async (clientOptions: { dataChannels?: boolean } = {}) => {
      const c = await SfuTestClient.create(ctx.emu, ctx.app, clientOptions);
      clients.push(c);
      return c;
    },
    /** Session get, parsed. */
    state: async (sessionId: string) =>
      sessionState.parse(await (await ctx.call(`/sessions/${sessionId}`, undefined, "GET")).json()),
  };
}
