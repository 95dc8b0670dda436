import { createRequire } from "node:module";
import type { Socket } from "node:net";

/**
 * The parts of node-media-server 4.4.3 (Apache-2.0) that the RTMP ingest uses: its RTMP session (the
 * protocol: handshake, chunking, AMF commands, FLV tags) and the broadcast a publisher feeds. Its
 * NodeMediaServer wrapper is left out: it keeps one global config, writes a store to ./data and
 * opens HTTP and admin servers. Types written here from node_modules/node-media-server/src.
 */
const require = createRequire(import.meta.url);

/** An FLV tag as node-media-server parses it (src/core/avpacket.js, src/protocol/flv.js parserTag). */
export interface AvPacket {
  /** 8 audio, 9 video, 18 script data. */
  codec_type: number;
  /** Audio: the FLV SoundFormat (10 AAC); video: the FLV CodecID (7 AVC) or an enhanced-RTMP FourCC. */
  codec_id: number;
  /** 0 audio sequence header, 1 audio frame, 2 video sequence header, 3 keyframe, 4 other frame, 5 metadata. */
  flags: number;
  /** Milliseconds. */
  dts: number;
  pts: number;
}

export interface NmsBroadcast {
  streamPath: string;
  publisher: NmsSession | null;
  subscribers: Map<string, NmsSession>;
  postPlay(session: NmsSession): string | null;
  donePlay(session: NmsSession): void;
}

export interface NmsSession {
  id: string;
  /** `address:port` of the peer; empty for sessions inside the process, which skip the play hooks. */
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamPath: string;
  streamQuery: Record<string, string | string[] | undefined>;
  isPublisher: boolean;
  broadcast: NmsBroadcast;
  socket?: Socket;
  rtmp?: { onPacketCallback: (packet: AvPacket) => void };
  sendBuffer(buffer: Buffer): void;
  close(): void;
  run(): void;
}

interface NmsContext {
  broadcasts: Map<string, NmsBroadcast>;
  sessions: Map<string, NmsSession>;
  eventEmitter: import("node:events").EventEmitter;
  config: Record<string, unknown>;
}

export const nmsContext: NmsContext = require("node-media-server/src/core/context.js");
export const RtmpSession: new (
  socket: Socket,
) => NmsSession = require("node-media-server/src/session/rtmp_session.js");
/** An in-process subscriber is a BaseSession with `protocol` "flv" and an empty `ip`, like its record session. */
export const BaseSession: new () => NmsSession = require("node-media-server/src/session/base_session.js");
const logger: { level: string } = require("node-media-server/src/core/logger.js");

// Every session would log at info level to stdout; errors still show.
logger.level = "error";
