import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { connect, type Socket as TcpSocket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listenOnUdpAndTcp } from "./dual-port.ts";
import {
  decodeStun,
  encodeStun,
  errorCodeOf,
  newTransactionId,
  StunAttr,
  StunMethod,
  textAttribute,
} from "./stun.ts";
import { type RunningTurnGate, startTurnGate } from "./turn-gate.ts";

/** A stand-in for coturn that records every frame and echoes it back. */
let upstream: Awaited<ReturnType<typeof listenOnUdpAndTcp>>;
let received: Buffer[];
let gate: RunningTurnGate;
const refused = new Set<string>();
const clients: (UdpSocket | TcpSocket)[] = [];

beforeAll(async () => {
  upstream = await listenOnUdpAndTcp("127.0.0.1", 0);
  upstream.udp.on("message", (frame, from) => {
    received.push(frame);
    upstream.udp.send(frame, from.port, from.address);
  });
  upstream.tcp.on("connection", (socket) => {
    clients.push(socket);
    socket.on("data", (chunk) => {
      received.push(chunk);
      socket.write(chunk);
    });
  });
  gate = await startTurnGate({
    upstream: { host: "127.0.0.1", port: upstream.port },
    refusal: (username) => (refused.has(username) ? "credential revoked" : undefined),
  });
});
afterAll(async () => {
  for (const c of clients) "destroy" in c ? c.destroy() : c.close();
  await gate.close();
  upstream.udp.close();
  upstream.tcp.close();
});
beforeEach(() => {
  received = [];
  refused.clear();
});

const allocate = (username?: string) =>
  encodeStun({
    method: StunMethod.Allocate,
    cls: "request",
    transactionId: newTransactionId(),
    attributes: username ? [textAttribute(StunAttr.Username, username)] : [],
  });
/** ChannelData on channel 0x4000 with a 5-byte payload (padded to 8 over TCP). */
const channelData = (tcp = false) =>
  Buffer.concat([Buffer.from([0x40, 0x00, 0x00, 0x05]), Buffer.from("hello"), Buffer.alloc(tcp ? 3 : 0)]);

async function udpClient() {
  const socket = createSocket("udp4");
  clients.push(socket);
  const inbox: Buffer[] = [];
  socket.on("message", (m) => inbox.push(m));
  const send = async (frame: Buffer) => {
    const before = inbox.length;
    socket.send(frame, gate.port, gate.host);
    while (inbox.length === before) await once(socket, "message");
    return inbox[inbox.length - 1]!;
  };
  return { socket, send };
}

describe("TURN gate", () => {
  it("forwards UDP traffic both ways and answers 401 itself for refused usernames", async () => {
    const client = await udpClient();
    const request = allocate("alice");
    expect((await client.send(request)).equals(request)).toBe(true);
    expect(received).toEqual([request]);

    refused.add("mallory");
    const refusedRequest = allocate("mallory");
    const reply = decodeStun(await client.send(refusedRequest))!;
    expect(reply).toMatchObject({ method: StunMethod.Allocate, cls: "error" });
    expect(reply.transactionId.equals(decodeStun(refusedRequest)!.transactionId)).toBe(true);
    expect(errorCodeOf(reply)).toEqual({ code: 401, reason: "Unauthorized: credential revoked" });
    expect(received).toEqual([request]);
  });

  it("stops relaying for a client once the credential it used is refused", async () => {
    const bob = await udpClient();
    const other = await udpClient();
    await bob.send(allocate("bob"));
    await bob.send(channelData());
    expect(received).toHaveLength(2);

    refused.add("bob");
    bob.socket.send(channelData(), gate.port, gate.host);
    const unauthenticated = channelData();
    await other.send(unauthenticated);
    expect(received).toHaveLength(3);
    expect(received[2]!.equals(unauthenticated)).toBe(true);
  });

  it("splits a TCP stream into frames however it arrives, filtering each", async () => {
    const socket = connect({ host: gate.host, port: gate.port });
    clients.push(socket);
    await once(socket, "connect");
    const answered: Buffer[] = [];
    socket.on("data", (chunk) => answered.push(chunk));
    const first = allocate("carol");
    const data = channelData(true);
    const third = allocate("carol");
    socket.write(Buffer.concat([first, data, third.subarray(0, 10)]));
    socket.write(third.subarray(10));
    const expected = Buffer.concat([first, data, third]);
    while (Buffer.concat(received).length < expected.length) await once(socket, "data");
    expect(Buffer.concat(received).equals(expected)).toBe(true);

    refused.add("dave");
    const before = Buffer.concat(answered).length;
    socket.write(allocate("dave"));
    while (Buffer.concat(answered).length === before) await once(socket, "data");
    const reply = decodeStun(Buffer.concat(answered).subarray(before))!;
    expect(errorCodeOf(reply)?.code).toBe(401);
    expect(Buffer.concat(received).length).toBe(expected.length);
  });
});
