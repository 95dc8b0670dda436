import { randomBytes } from "node:crypto";
import type { RTCDataChannel } from "werift";
import { createServerClient } from "#client/server.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { TargetTenant } from "../smoke/target.ts";
import { probeableTurnUrl } from "../smoke/turn-url.ts";
import { type Probe, type ProbeContext, ProbeFailed, waitFor } from "./probe.ts";
import {
  checkItems,
  connected,
  type PeerNetwork,
  ProbePeer,
  type ProxiedSession,
  probePacket,
} from "./sfu-peer.ts";

export interface MediaProbeOptions {
  workerUrl: string;
  /** The tenant whose app the probe acts as: its key mints the sessions (and TURN credentials). */
  tenant: TargetTenant;
  /** Media over a TURN relay only, with credentials from `/api/realtime/turn`. */
  relay: boolean;
  /** The stack runs on this machine: gather on 127.0.0.1 only. */
  loopback: boolean;
  /** The SFU app the Worker must use (the active slot's). */
  expectAppId?: string;
}

const TRACK = "probe-video";
const CHANNEL = "probe";
/** Cloudflare's public STUN server (docs/reference/cloudflare-api.md §5), for the direct probe against Cloudflare. */
const CLOUDFLARE_STUN = "stun:stun.cloudflare.com:3478";
const RTP_INTERVAL_MS = 20;
const MESSAGE_INTERVAL_MS = 100;

/**
 * `smoke --probe-media`: a call as a tenant's app makes it, through the Worker. Two werift peers,
 * each with its own SFU session from `POST /api/realtime/sfu`: the first publishes a video track
 * with `tracks/new` through the session proxy, the second pulls it; passes when RTP of the published
 * track reaches the puller and a message on a DataChannel gets across. With `relay`, both peers
 * gather relay candidates only, on the TURN server `/api/realtime/turn` names (werift's own TURN
 * client). Sessions, tracks and peer connections are closed whatever happens.
 */
export function mediaProbe(options: MediaProbeOptions): Probe {
  const { tenant } = options;
  const api = createServerClient({ baseUrl: options.workerUrl, tenant: tenant.id, key: tenant.key });
  const runId = `probe-${randomBytes(4).toString("hex")}`;

  async function network(signal: AbortSignal): Promise<PeerNetwork> {
    if (!options.relay) {
      return {
        iceServers: options.loopback ? [] : [{ urls: CLOUDFLARE_STUN }],
        relayOnly: false,
        loopback: options.loopback,
      };
    }
    const { iceServers } = await api.turn({ ttl: 600, user_id: runId }, { signal });
    const server = probeableTurnUrl(iceServers);
    if (!server) throw new ProbeFailed(`${API_ROUTES.turn.path} names no turn: server over UDP or TCP`);
    return {
      iceServers: [{ urls: server.url, username: server.username, credential: server.credential }],
      relayOnly: true,
      loopback: options.loopback,
    };
  }

  async function open(ctx: ProbeContext, role: "publisher" | "puller", net: PeerNetwork): Promise<ProbePeer> {
    const session = await api.sfuSession(
      { room_id: runId, user_id: `${runId}-${role}`, user_name: `media probe (${role})` },
      { signal: ctx.signal },
    );
    if (options.expectAppId && session.app_id !== options.expectAppId) {
      throw new ProbeFailed(
        `the Worker uses SFU app ${session.app_id}, the active slot is ${options.expectAppId}`,
      );
    }
    const peer = new ProbePeer(api, session, net);
    ctx.cleanups.add(`close the ${role}'s session`, () => close(peer));
    return peer;
  }

  async function close(peer: ProbePeer): Promise<void> {
    const mids = peer.pc.getTransceivers().flatMap((t) => (t.mid ? [{ mid: t.mid }] : []));
    try {
      if (mids.length > 0) {
        const signal = AbortSignal.timeout(5_000);
        const closed = await api
          .session(peer.session)
          .sfuTracksClose({ tracks: mids, force: true }, { signal });
        checkItems(
          "closing the probe's tracks",
          closed,
          closed.tracks.filter((t) => t.errorCode !== "close_track_error"),
        );
      }
    } finally {
      await peer.close();
    }
  }

  async function dataChannel(
    peer: ProbePeer,
    from: ProxiedSession | undefined,
    signal: AbortSignal,
  ): Promise<RTCDataChannel> {
    const answer = await api.session(peer.session).sfuDataChannelsNew(
      {
        dataChannels: [
          from
            ? { location: "remote", sessionId: from.session_id, dataChannelName: CHANNEL }
            : { location: "local", dataChannelName: CHANNEL },
        ],
      },
      { signal },
    );
    checkItems(
      `${from ? "subscribing to" : "publishing"} the probe's DataChannel`,
      answer,
      answer.dataChannels,
    );
    const id = answer.dataChannels[0]?.id;
    if (id === undefined) throw new ProbeFailed("datachannels/new answered no channel id");
    return peer.pc.createDataChannel(CHANNEL, { negotiated: true, id });
  }

  return {
    name: options.relay ? "probe-media relay" : "probe-media",
    async run(ctx) {
      const net = await network(ctx.signal);
      const publisher = await open(ctx, "publisher", net);
      const track = await publisher.publish(TRACK, ctx.signal);
      let since = ctx.elapsed();
      await connected(publisher.pc, ctx.signal, "publisher");
      ctx.mark("publisher connected", { cloudflare: true, since });

      const tag = randomBytes(2).readUInt16BE();
      const arrived: number[] = [];
      const puller = await open(ctx, "puller", net);
      await puller.pull(
        publisher.session,
        TRACK,
        (rtp) => {
          if (rtp.payload.toString().startsWith(`probe ${tag} `)) arrived.push(rtp.header.sequenceNumber);
        },
        ctx.signal,
      );
      since = ctx.elapsed();
      await connected(puller.pc, ctx.signal, "puller");
      ctx.mark("puller connected", { cloudflare: true, since });

      let sequence = 0;
      const sender = setInterval(() => {
        sequence += 1;
        track.writeRtp(probePacket(sequence, tag));
      }, RTP_INTERVAL_MS);
      ctx.cleanups.add("stop sending RTP", async () => clearInterval(sender));
      since = ctx.elapsed();
      await waitFor(ctx, "RTP of the published track reaching the puller", async () =>
        arrived.length > 0 ? true : undefined,
      ).catch((e: unknown) => {
        throw e instanceof ProbeFailed
          ? new ProbeFailed(
              `${e.message}: the SFU did not forward the published track (${sequence} packets sent, none arrived)`,
            )
          : e;
      });
      ctx.mark("first packet", { cloudflare: true, since });

      const sending = await dataChannel(publisher, undefined, ctx.signal);
      const receiving = await dataChannel(puller, publisher.session, ctx.signal);
      const nonce = randomBytes(8).toString("hex");
      let received = false;
      receiving.onMessage.subscribe((data) => {
        if (String(data) === nonce) received = true;
      });
      since = ctx.elapsed();
      await waitFor(
        ctx,
        "a DataChannel message reaching the puller",
        async () => {
          if (sending.readyState === "open") sending.send(nonce);
          return received ? true : undefined;
        },
        MESSAGE_INTERVAL_MS,
      );
      ctx.mark("data channel message", { cloudflare: true, since });
      clearInterval(sender);
      const via = options.relay ? `relayed by ${net.iceServers[0]?.urls}` : "direct";
      return `${arrived.length} RTP packets of ${sequence} and a DataChannel message from session ${publisher.session.session_id} to ${puller.session.session_id} on app ${publisher.session.app_id} (${via})`;
    },
  };
}
