import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Broadcast, Broadcasts, FlvTap, IngestProtocol } from "../broadcasts.ts";
import { type AvPacket, BaseSession, type NmsSession, nmsContext, RtmpSession } from "./node-media-server.ts";
import { flvCodec, IngestRules, type MediaFrame } from "./rules.ts";

/** Cloudflare's RTMPS application: `rtmps://live.cloudflare.com:443/live/` + stream key. */
const LIVE_APP = "live";

/** A publisher that reaches RTMP through a bridge of the media plane's own (SRT is relayed here). */
export interface RtmpRelay {
  /** The RTMP application the bridge publishes to. */
  app: string;
  protocol: IngestProtocol;
  /** The input and credential a bridge's stream name stands for, or undefined for an unknown name. */
  resolve(name: string): { uid: string; credential: string } | undefined;
  /** The broadcaster behind the bridge is to be dropped. */
  drop(name: string): void;
}

export interface RtmpIngestOptions {
  host: string;
  broadcasts: Broadcasts;
  /** The live inputs' RTMPS credentials, looked up when a client publishes or plays. */
  keys: {
    /** The input whose stream key this is. */
    byStreamKey(key: string): string | undefined;
    /** The input whose playback key (`rtmpsPlayback.streamKey`) this is. */
    byPlaybackKey(key: string): string | undefined;
    playbackKey(uid: string): string | undefined;
  };
  relays: RtmpRelay[];
}

/**
 * RTMP and RTMPS ingest on node-media-server's RTMP sessions. Each publish is checked against the live
 * inputs (stream key, enabled, one broadcaster per input) before any media is taken, then each tag
 * against Cloudflare's rules. A viewer may play a live broadcast with its input's playback key
 * (`rtmpsPlayback`), never with the stream key.
 */
export class RtmpIngest {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /** Sessions this ingest accepted: node-media-server's events are process-wide. */
  private readonly sessions = new WeakSet<NmsSession>();
  private readonly aliases = new Map<string, string>();

  constructor(private readonly options: RtmpIngestOptions) {
    nmsContext.eventEmitter.on("prePublish", this.onPublish);
    nmsContext.eventEmitter.on("prePlay", this.onPlay);
  }

  /** Listens for RTMP (and RTMPS, with a certificate) on the ports asked for; 0 picks a free one. */
  async listen(
    rtmpPort: number,
    tls?: { port: number; key: string; cert: string },
  ): Promise<{ rtmp: number; rtmps?: number }> {
    const rtmp = await this.serve(createServer(this.accept), rtmpPort);
    const rtmps = tls
      ? await this.serve(createTlsServer({ key: tls.key, cert: tls.cert }, this.accept), tls.port)
      : undefined;
    return { rtmp, ...(rtmps === undefined ? {} : { rtmps }) };
  }

  async close(): Promise<void> {
    nmsContext.eventEmitter.off("prePublish", this.onPublish);
    nmsContext.eventEmitter.off("prePlay", this.onPlay);
    for (const socket of this.sockets) socket.destroy();
    await this.closeServers();
  }

  /** Stops listening (a listen that failed halfway, or the end). */
  async closeServers(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }

  private async serve(server: Server, port: number): Promise<number> {
    server.listen(port, this.options.host);
    await Promise.race([once(server, "listening"), once(server, "error").then(([e]) => Promise.reject(e))]);
    this.servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  private accept = (socket: Socket) => {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    // A TLS handshake that fails (a client refusing the local certificate) must not crash the emulator.
    socket.on("error", () => socket.destroy());
    const session = new RtmpSession(socket);
    this.sessions.add(session);
    session.run();
  };

  /** node-media-server asks before it takes a publisher: refusing closes the connection. */
  private onPublish = (session: NmsSession) => {
    if (!this.sessions.has(session)) return;
    const claim = this.claimOf(session);
    if (!claim) {
      session.socket?.destroy();
      return;
    }
    const { broadcasts } = this.options;
    const admitted = broadcasts.admit({
      uid: claim.uid,
      protocol: claim.protocol,
      credential: claim.credential,
      drop: () => {
        claim.relay?.drop(session.streamName);
        session.socket?.destroy();
      },
    });
    if ("refused" in admitted) {
      session.socket?.destroy();
      return;
    }
    this.follow(session, admitted);
  };

  private claimOf(
    session: NmsSession,
  ): { uid: string; credential: string; protocol: IngestProtocol; relay?: RtmpRelay } | undefined {
    if (session.streamApp === LIVE_APP) {
      const uid = this.options.keys.byStreamKey(session.streamName);
      return uid ? { uid, credential: session.streamName, protocol: "rtmp" } : undefined;
    }
    const relay = this.options.relays.find((r) => r.app === session.streamApp);
    const resolved = relay?.resolve(session.streamName);
    return resolved && relay && { ...resolved, protocol: relay.protocol, relay };
  }

  /** Checks each tag against the rules, and ends the broadcast with the connection. */
  private follow(session: NmsSession, broadcast: Broadcast): void {
    const { broadcasts } = this.options;
    const rules = new IngestRules();
    const rtmp = session.rtmp!;
    const forward = rtmp.onPacketCallback;
    rtmp.onPacketCallback = (packet: AvPacket) => {
      const frame = frameOf(packet);
      if (frame) {
        const verdict = rules.check(frame);
        if (!verdict.ok) {
          rtmp.onPacketCallback = () => {};
          broadcasts.failed(broadcast, verdict.error);
          return;
        }
        forward(packet);
        if (verdict.playable && !broadcast.connected) {
          broadcast.flv = flvTapOf(session);
          this.alias(broadcast.uid, session);
          broadcasts.connected(broadcast);
        }
        return;
      }
      forward(packet);
    };
    session.socket?.once("close", () => {
      this.unalias(broadcast.uid, session);
      broadcasts.ended(broadcast);
    });
  }

  /** A player with the input's playback key joins the broadcast, which node-media-server finds by stream path. */
  private alias(uid: string, session: NmsSession): void {
    const key = this.options.keys.playbackKey(uid);
    if (!key) return;
    const path = `/${LIVE_APP}/${key}`;
    nmsContext.broadcasts.set(path, session.broadcast);
    this.aliases.set(uid, path);
  }

  /** The broadcast is over: its players go too, as on Cloudflare (node-media-server would keep them waiting). */
  private unalias(uid: string, session: NmsSession): void {
    const path = this.aliases.get(uid);
    if (path && nmsContext.broadcasts.get(path) === session.broadcast) nmsContext.broadcasts.delete(path);
    this.aliases.delete(uid);
    for (const player of session.broadcast.subscribers.values()) player.socket?.destroy();
  }

  private onPlay = (session: NmsSession) => {
    if (!this.sessions.has(session)) return;
    const uid =
      session.streamApp === LIVE_APP ? this.options.keys.byPlaybackKey(session.streamName) : undefined;
    const broadcast = uid ? this.options.broadcasts.current(uid) : undefined;
    if (!broadcast?.connected || broadcast.protocol === "webrtc" || session.broadcast.publisher === null) {
      session.socket?.destroy();
    }
  };
}

function frameOf(packet: AvPacket): MediaFrame | undefined {
  if (packet.codec_type === 8) {
    // The AAC sequence header carries no audio.
    return { kind: "audio", codec: flvCodec("audio", packet.codec_id), timeMs: packet.dts };
  }
  if (packet.codec_type === 9 && packet.flags !== 2 && packet.flags !== 6) {
    return {
      kind: "video",
      codec: flvCodec("video", packet.codec_id),
      keyframe: packet.flags === 3,
      timeMs: packet.dts,
    };
  }
  return undefined;
}

/**
 * An in-process subscriber of the broadcast, as node-media-server's own recorder is one: FLV tags,
 * starting with the headers and the current GOP that the broadcast keeps for late joiners.
 */
function flvTapOf(publisher: NmsSession): FlvTap {
  return (write) => {
    const tap = new BaseSession();
    tap.protocol = "flv";
    tap.ip = "";
    tap.streamPath = publisher.streamPath;
    tap.sendBuffer = write;
    const broadcast = publisher.broadcast;
    broadcast.postPlay(tap);
    return () => broadcast.donePlay(tap);
  };
}
