import { createSocket, type RemoteInfo } from "node:dgram";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  attribute,
  decodeStun,
  encodeStun,
  errorCodeAttribute,
  hasValidFingerprint,
  hasValidIntegrity,
  longTermKey,
  MAGIC_COOKIE,
  StunAttr,
  type StunAttribute,
  type StunMessage,
  StunMethod,
  TRANSPORT_UDP,
  textAttribute,
  textOf,
} from "./stun.ts";
import { probeTurn, stunBinding } from "./turn-client.ts";

/**
 * A scripted TURN server on UDP: it checks what the probe sends the way coturn does (integrity
 * with the long-term key, REQUESTED-TRANSPORT, FINGERPRINT) and answers as each test tells it.
 */
const REALM = "probe.test";
const USERNAME = "1900000000:key.0123456789abcdef";
const PASSWORD = "c2VjcmV0LWZyb20tYS10ZXN0";
const server = createSocket("udp4");
let port: number;
let behaviour: "normal" | "stale-nonce-once" | "silent" | "quota" | "no-integrity" = "normal";
let seen: { message: StunMessage; raw: Buffer }[] = [];
let staleSent = false;

function xorIPv4(type: number, address: string, p: number): StunAttribute {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(p ^ (MAGIC_COOKIE >>> 16), 2);
  const raw = address.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  value.writeUInt32BE((raw ^ MAGIC_COOKIE) >>> 0, 4);
  return { type, value };
}

function answer(request: StunMessage, raw: Buffer, from: RemoteInfo): Buffer | undefined {
  const reply = (cls: "success" | "error", attributes: StunAttribute[], key?: Buffer) =>
    encodeStun({ method: request.method, cls, transactionId: request.transactionId, attributes }, key);
  const mapped = xorIPv4(StunAttr.XorMappedAddress, from.address, from.port);
  if (request.method === StunMethod.Binding) return reply("success", [mapped]);
  const username = textOf(request, StunAttr.Username);
  if (!username) {
    return reply("error", [
      errorCodeAttribute(401, "Unauthorized"),
      textAttribute(StunAttr.Realm, REALM),
      textAttribute(StunAttr.Nonce, "nonce-1"),
    ]);
  }
  const key = longTermKey(USERNAME, REALM, PASSWORD);
  if (username !== USERNAME || !hasValidIntegrity(raw, key)) {
    return reply("error", [errorCodeAttribute(401, "Unauthorized")]);
  }
  if (behaviour === "stale-nonce-once" && !staleSent) {
    staleSent = true;
    return reply("error", [errorCodeAttribute(438, "Stale Nonce"), textAttribute(StunAttr.Nonce, "nonce-2")]);
  }
  if (behaviour === "quota")
    return reply("error", [errorCodeAttribute(486, "Allocation Quota Reached")], key);
  if (request.method === StunMethod.Refresh) return reply("success", [], key);
  const relayed = xorIPv4(StunAttr.XorRelayedAddress, "127.0.0.1", 50_000);
  return reply("success", [relayed, mapped], behaviour === "no-integrity" ? undefined : key);
}

beforeAll(async () => {
  server.on("message", (raw, from) => {
    const message = decodeStun(raw);
    if (!message) return;
    seen.push({ message, raw });
    if (behaviour === "silent") return;
    const reply = answer(message, raw, from);
    if (reply) server.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  port = server.address().port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  behaviour = "normal";
  staleSent = false;
  seen = [];
});

const probe = (password = PASSWORD, timeoutMs = 2000) =>
  probeTurn({ host: "127.0.0.1", port, username: USERNAME, credential: password, timeoutMs });

describe("TURN probe", () => {
  it("allocates with the long-term mechanism, then releases the relay", async () => {
    const result = await probe();
    expect(result).toEqual({
      ok: true,
      relayedAddress: { family: "IPv4", address: "127.0.0.1", port: 50_000 },
      mappedAddress: expect.objectContaining({ family: "IPv4", address: "127.0.0.1" }),
      realm: REALM,
    });
    const [challenge, allocate, release] = seen;
    expect(attribute(challenge!.message, StunAttr.MessageIntegrity)).toBeUndefined();
    expect(attribute(allocate!.message, StunAttr.RequestedTransport)?.readUInt32BE(0)).toBe(TRANSPORT_UDP);
    expect(textOf(allocate!.message, StunAttr.Realm)).toBe(REALM);
    expect(textOf(allocate!.message, StunAttr.Nonce)).toBe("nonce-1");
    expect(release!.message.method).toBe(StunMethod.Refresh);
    expect(attribute(release!.message, StunAttr.Lifetime)?.readUInt32BE(0)).toBe(0);
    for (const { raw } of seen) expect(hasValidFingerprint(raw)).toBe(true);
  });

  it("retries once with the fresh nonce of a 438 Stale Nonce", async () => {
    behaviour = "stale-nonce-once";
    expect((await probe()).ok).toBe(true);
    expect(seen.map((s) => textOf(s.message, StunAttr.Nonce))).toEqual([
      undefined,
      "nonce-1",
      "nonce-2",
      "nonce-2",
    ]);
  });

  it("reports refused credentials, other errors and broken answers as typed failures", async () => {
    expect(await probe("wrong")).toEqual({ ok: false, reason: "unauthorized", message: "401 Unauthorized" });
    behaviour = "quota";
    expect(await probe()).toMatchObject({ ok: false, reason: "rejected", code: 486 });
    behaviour = "no-integrity";
    expect(await probe()).toMatchObject({ ok: false, reason: "protocol" });
  });

  it("gives up at the deadline when nobody answers, having retransmitted", async () => {
    behaviour = "silent";
    expect(await probe(PASSWORD, 1200)).toMatchObject({ ok: false, reason: "timeout" });
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it("sends a STUN Binding and reads the mapped address", async () => {
    const result = await stunBinding({ host: "127.0.0.1", port, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: true, mappedAddress: { family: "IPv4", address: "127.0.0.1" } });
  });
});
