import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { type Socket as TcpSocket, connect as tcpConnect } from "node:net";
import { listenOnUdpAndTcp } from "./dual-port.ts";
import {
  decodeStun,
  encodeStun,
  errorCodeAttribute,
  looksLikeStun,
  StunAttr,
  stunMessageSize,
  textOf,
} from "./stun.ts";

/**
 * The TURN gate: a UDP and TCP forwarder in front of coturn that refuses credentials coturn cannot
 * know are dead. coturn in TURN REST mode accepts any username whose HMAC matches its shared secret
 * until the expiry in it, so a credential revoked through the Realtime API (or issued by a TURN key
 * deleted since) would go on working there. The gate reads the USERNAME of every STUN request,
 * answers 401 for refused ones without forwarding them, and stops relaying for a client whose
 * credential gets refused later. Expiry and signature stay coturn's to check.
 */

export interface TurnGateOptions {
  /** The TURN server behind the gate. */
  upstream: { host: string; port: number };
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default): a port free for both UDP and TCP. */
  port?: number;
  /** Why `username` must be refused, or `undefined` to let the TURN server decide. */
  refusal: (username: string) => string | undefined;
}

export interface RunningTurnGate {
  host: string;
  /** The same port for UDP and TCP, as TURN URLs assume. */
  port: number;
  close(): Promise<void>;
}

/** A client idle this long loses its upstream socket; longer than TURN's 10-minute allocation lifetime. */
const FLOW_IDLE_MS = 15 * 60_000;

/** What a client's frame (datagram, or one frame of its TCP stream) comes to. */
type Verdict = { forward: true } | { forward: false; reply?: Buffer };

/** One client 5-tuple: the credential it authenticated with, once it sent one. */
interface Flow {
  username?: string;
}

function judge(frame: Buffer, flow: Flow, refusal: TurnGateOptions["refusal"]): Verdict {
  const message = looksLikeStun(frame) ? decodeStun(frame) : undefined;
  const username = message?.cls === "request" ? textOf(message, StunAttr.Username) : undefined;
  if (message && username !== undefined) {
    const refused = refusal(username);
    if (refused) {
      const reply = encodeStun({
        method: message.method,
        cls: "error",
        transactionId: message.transactionId,
        attributes: [errorCodeAttribute(401, `Unauthorized: ${refused}`)],
      });
      return { forward: false, reply };
    }
    flow.username = username;
    return { forward: true };
  }
  // Indications and ChannelData carry no credential: they ride on the one the client last used.
  if (flow.username !== undefined && refusal(flow.username)) return { forward: false };
  return { forward: true };
}

/** The size of the frame at the start of a client's TCP stream (RFC 5766 §11.5), or `undefined` if incomplete. */
function tcpFrameSize(buf: Buffer): number | undefined {
  if (buf.length < 4) return undefined;
  if ((buf[0]! & 0xc0) === 0x40) return 4 + ((buf.readUInt16BE(2) + 3) & ~3);
  return stunMessageSize(buf);
}

export async function startTurnGate(options: TurnGateOptions): Promise<RunningTurnGate> {
  const host = options.host ?? "127.0.0.1";
  const { udp, tcp, port } = await listenOnUdpAndTcp(host, options.port ?? 0);
  const { upstream, refusal } = options;

  const udpFlows = new Map<string, Flow & { socket: UdpSocket; lastSeen: number }>();
  udp.on("message", (datagram, client) => {
    const id = `${client.address}|${client.port}`;
    let flow = udpFlows.get(id);
    if (!flow) {
      const socket = createSocket("udp4");
      socket.on("message", (back) => udp.send(back, client.port, client.address));
      socket.on("error", () => closeUdpFlow(id));
      flow = { socket, lastSeen: 0 };
      udpFlows.set(id, flow);
    }
    flow.lastSeen = Date.now();
    const verdict = judge(datagram, flow, refusal);
    if (verdict.forward) flow.socket.send(datagram, upstream.port, upstream.host);
    else if (verdict.reply) udp.send(verdict.reply, client.port, client.address);
  });
  const closeUdpFlow = (id: string) => {
    udpFlows.get(id)?.socket.close();
    udpFlows.delete(id);
  };
  const sweep = setInterval(() => {
    const cutoff = Date.now() - FLOW_IDLE_MS;
    for (const [id, flow] of udpFlows) if (flow.lastSeen < cutoff) closeUdpFlow(id);
  }, 60_000);
  sweep.unref();

  const tcpSockets = new Set<TcpSocket>();
  tcp.on("connection", (client) => {
    const server = tcpConnect({ host: upstream.host, port: upstream.port });
    for (const s of [client, server]) {
      tcpSockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        tcpSockets.delete(s);
        client.destroy();
        server.destroy();
      });
    }
    server.on("data", (chunk) => client.write(chunk));
    const flow: Flow = {};
    let pending = Buffer.alloc(0);
    client.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (let size = tcpFrameSize(pending); size !== undefined && pending.length >= size; ) {
        const frame = pending.subarray(0, size);
        pending = pending.subarray(size);
        const verdict = judge(frame, flow, refusal);
        if (verdict.forward) server.write(frame);
        else if (verdict.reply) client.write(verdict.reply);
        size = tcpFrameSize(pending);
      }
    });
  });

  return {
    host,
    port,
    close: async () => {
      clearInterval(sweep);
      for (const id of [...udpFlows.keys()]) closeUdpFlow(id);
      for (const s of tcpSockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}
