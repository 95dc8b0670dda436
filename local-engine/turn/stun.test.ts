import { describe, expect, it } from "vitest";
import {
  attribute,
  decodeStun,
  encodeStun,
  errorCodeAttribute,
  errorCodeOf,
  hasValidFingerprint,
  hasValidIntegrity,
  longTermKey,
  StunAttr,
  StunMethod,
  stunMessageSize,
  textAttribute,
  textOf,
  u32Attribute,
  xorAddressOf,
} from "./stun.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** RFC 5769 §2.2: a Binding success response with an IPv4 XOR-MAPPED-ADDRESS. */
const IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
/** RFC 5769 §2.3: the same with an IPv6 address. */
const IPV6_RESPONSE = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);
const SHORT_TERM_PASSWORD = Buffer.from("VOkJxbRl1RmTxUk/WvJxBt");

/** RFC 5769 §2.4: a request with long-term authentication (no FINGERPRINT). */
const LONG_TERM_REQUEST = hex(`
  00010060 2112a442 78ad3433 c6ad72c0 29da412e
  00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
  0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
  0014000b 6578616d 706c652e 6f726700
  00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666`);

describe("STUN codec", () => {
  it("decodes RFC 5769 responses: class, method, software, XOR-MAPPED-ADDRESS, integrity, fingerprint", () => {
    const v4 = decodeStun(IPV4_RESPONSE)!;
    expect(v4).toMatchObject({ method: StunMethod.Binding, cls: "success" });
    expect(v4.transactionId.toString("hex")).toBe("b7e7a701bc34d686fa87dfae");
    expect(textOf(v4, StunAttr.Software)).toBe("test vector");
    expect(xorAddressOf(v4, StunAttr.XorMappedAddress)).toEqual({
      family: "IPv4",
      address: "192.0.2.1",
      port: 32853,
    });
    expect(hasValidIntegrity(IPV4_RESPONSE, SHORT_TERM_PASSWORD)).toBe(true);
    expect(hasValidFingerprint(IPV4_RESPONSE)).toBe(true);

    const v6 = decodeStun(IPV6_RESPONSE)!;
    expect(xorAddressOf(v6, StunAttr.XorMappedAddress)).toEqual({
      family: "IPv6",
      address: "2001:db8:1234:5678:11:2233:4455:6677",
      port: 32853,
    });
    expect(hasValidIntegrity(IPV6_RESPONSE, SHORT_TERM_PASSWORD)).toBe(true);
    expect(hasValidFingerprint(IPV6_RESPONSE)).toBe(true);
  });

  it("detects a tampered message through its integrity and fingerprint", () => {
    const tampered = Buffer.from(IPV4_RESPONSE);
    tampered[30] = (tampered[30]! ^ 0xff) & 0xff;
    expect(hasValidIntegrity(tampered, SHORT_TERM_PASSWORD)).toBe(false);
    expect(hasValidFingerprint(tampered)).toBe(false);
    expect(hasValidIntegrity(IPV4_RESPONSE, Buffer.from("wrong password"))).toBe(false);
  });

  it("encodes the RFC 5769 long-term request byte for byte, then appends a valid FINGERPRINT", () => {
    const username = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9";
    const key = longTermKey(username, "example.org", "TheMatrIX");
    const encoded = encodeStun(
      {
        method: StunMethod.Binding,
        cls: "request",
        transactionId: LONG_TERM_REQUEST.subarray(8, 20),
        attributes: [
          textAttribute(StunAttr.Username, username),
          textAttribute(StunAttr.Nonce, "f//499k954d6OL34oL9FSTvy64sA"),
          textAttribute(StunAttr.Realm, "example.org"),
        ],
      },
      key,
    );
    // Only the length field differs: ours also counts the 8-byte FINGERPRINT that follows.
    const expected = Buffer.from(LONG_TERM_REQUEST);
    expected.writeUInt16BE(LONG_TERM_REQUEST.readUInt16BE(2) + 8, 2);
    expect(encoded.subarray(0, LONG_TERM_REQUEST.length).toString("hex")).toBe(expected.toString("hex"));
    expect(encoded.length).toBe(LONG_TERM_REQUEST.length + 8);
    expect(hasValidIntegrity(LONG_TERM_REQUEST, key)).toBe(true);
    expect(hasValidIntegrity(encoded, key)).toBe(true);
    expect(hasValidFingerprint(encoded)).toBe(true);
    expect(stunMessageSize(encoded)).toBe(encoded.length);
  });

  it("round-trips every message class, error codes and numeric attributes", () => {
    for (const cls of ["request", "indication", "success", "error"] as const) {
      for (const method of Object.values(StunMethod)) {
        const transactionId = Buffer.alloc(12, 7);
        const decoded = decodeStun(
          encodeStun({
            method,
            cls,
            transactionId,
            attributes: [errorCodeAttribute(438, "Stale Nonce"), u32Attribute(StunAttr.Lifetime, 600)],
          }),
        )!;
        expect(decoded).toMatchObject({ method, cls });
        expect(errorCodeOf(decoded)).toEqual({ code: 438, reason: "Stale Nonce" });
        expect(attribute(decoded, StunAttr.Lifetime)?.readUInt32BE(0)).toBe(600);
      }
    }
  });

  it("refuses what is not a well-formed STUN message", () => {
    expect(decodeStun(Buffer.from("GET / HTTP/1.1\r\n\r\n"))).toBeUndefined();
    expect(decodeStun(Buffer.from([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]))).toBeUndefined();
    const truncated = Buffer.from(IPV4_RESPONSE.subarray(0, 40));
    expect(decodeStun(truncated)).toBeUndefined();
    const overrun = Buffer.from(IPV4_RESPONSE);
    overrun.writeUInt16BE(0x00ff, 22);
    expect(decodeStun(overrun)).toBeUndefined();
  });
});
