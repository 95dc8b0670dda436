import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * STUN message encoding and decoding (RFC 5389 / 8489) with the TURN parts of RFC 5766 that an
 * Allocate needs. Shared by the TURN probe (a client) and the TURN gate (a filter in front of coturn).
 */

export const MAGIC_COOKIE = 0x2112a442;
const HEADER_SIZE = 20;
const FINGERPRINT_XOR = 0x5354554e;

export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

export type StunClass = "request" | "indication" | "success" | "error";
const CLASS_BITS: Record<StunClass, number> = { request: 0, indication: 1, success: 2, error: 3 };

export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

/** REQUESTED-TRANSPORT value for UDP relays (protocol number 17 in the first byte). */
export const TRANSPORT_UDP = 17 << 24;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  /** 12 bytes. */
  transactionId: Buffer;
  attributes: StunAttribute[];
}

export interface TransportAddress {
  family: "IPv4" | "IPv6";
  address: string;
  port: number;
}

export const newTransactionId = () => randomBytes(12);

/** The long-term credential key (RFC 5389 §15.4): MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest();
}

export function textAttribute(type: number, text: string): StunAttribute {
  return { type, value: Buffer.from(text, "utf8") };
}

export function u32Attribute(type: number, n: number): StunAttribute {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(n >>> 0);
  return { type, value };
}

export function errorCodeAttribute(code: number, reason: string): StunAttribute {
  const text = Buffer.from(reason, "utf8");
  const value = Buffer.alloc(4 + text.length);
  value.writeUInt8(Math.floor(code / 100), 2);
  value.writeUInt8(code % 100, 3);
  text.copy(value, 4);
  return { type: StunAttr.ErrorCode, value };
}

function messageType(method: number, cls: StunClass): number {
  const c = CLASS_BITS[cls];
  return (
    (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
  );
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const c = ((type >> 4) & 1) | ((type >> 7) & 2);
  const cls = (Object.keys(CLASS_BITS) as StunClass[]).find((k) => CLASS_BITS[k] === c)!;
  return { method, cls };
}

const padded = (n: number) => (n + 3) & ~3;

function header(type: number, bodyLength: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(bodyLength, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

function encodeAttribute({ type, value }: StunAttribute): Buffer {
  const out = Buffer.alloc(4 + padded(value.length));
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/**
 * Encodes a message. With `integrityKey`, appends MESSAGE-INTEGRITY (HMAC-SHA1 over the message with
 * the length already counting that attribute, RFC 5389 §15.4); FINGERPRINT always comes last.
 */
export function encodeStun(message: StunMessage, integrityKey?: Buffer): Buffer {
  if (message.transactionId.length !== 12) throw new Error("a STUN transaction id has 12 bytes");
  const type = messageType(message.method, message.cls);
  let body = Buffer.concat(message.attributes.map(encodeAttribute));
  if (integrityKey) {
    const hmac = createHmac("sha1", integrityKey)
      .update(header(type, body.length + 24, message.transactionId))
      .update(body)
      .digest();
    body = Buffer.concat([body, encodeAttribute({ type: StunAttr.MessageIntegrity, value: hmac })]);
  }
  const fingerprint = Buffer.alloc(4);
  const crc = crc32(body, crc32(header(type, body.length + 8, message.transactionId)));
  fingerprint.writeUInt32BE((crc ^ FINGERPRINT_XOR) >>> 0);
  body = Buffer.concat([body, encodeAttribute({ type: StunAttr.Fingerprint, value: fingerprint })]);
  return Buffer.concat([header(type, body.length, message.transactionId), body]);
}

/** Whether a datagram or stream frame starts like a STUN message (top bits 00 and the magic cookie). */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_SIZE && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

/** Decodes one STUN message; `undefined` for anything that is not a well-formed one. */
export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (!looksLikeStun(buf)) return undefined;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_SIZE + length > buf.length) return undefined;
  const attributes: StunAttribute[] = [];
  let offset = HEADER_SIZE;
  const end = HEADER_SIZE + length;
  while (offset < end) {
    if (offset + 4 > end) return undefined;
    const type = buf.readUInt16BE(offset);
    const size = buf.readUInt16BE(offset + 2);
    if (offset + 4 + size > end) return undefined;
    attributes.push({ type, value: Buffer.from(buf.subarray(offset + 4, offset + 4 + size)) });
    offset += 4 + padded(size);
  }
  return {
    ...splitType(buf.readUInt16BE(0)),
    transactionId: Buffer.from(buf.subarray(8, HEADER_SIZE)),
    attributes,
  };
}

/** The size of the STUN message at the start of `buf`, from its header (stream framing, RFC 5389 §7.2.2). */
export function stunMessageSize(buf: Buffer): number | undefined {
  return buf.length >= 4 ? HEADER_SIZE + buf.readUInt16BE(2) : undefined;
}

export function attribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

export function textOf(message: StunMessage, type: number): string | undefined {
  return attribute(message, type)?.toString("utf8");
}

export function errorCodeOf(message: StunMessage): { code: number; reason: string } | undefined {
  const value = attribute(message, StunAttr.ErrorCode);
  if (!value || value.length < 4) return undefined;
  return { code: (value[2]! & 0x07) * 100 + value[3]!, reason: value.subarray(4).toString("utf8") };
}

/** Reads an XOR-…-ADDRESS attribute (RFC 5389 §15.2). */
export function xorAddressOf(message: StunMessage, type: number): TransportAddress | undefined {
  const value = attribute(message, type);
  if (!value || value.length < 8) return undefined;
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (value[1] === 0x01) {
    const raw = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
    return { family: "IPv4", address: [24, 16, 8, 0].map((s) => (raw >>> s) & 0xff).join("."), port };
  }
  if (value[1] === 0x02 && value.length >= 20) {
    const mask = Buffer.concat([header(0, 0, message.transactionId).subarray(4, 8), message.transactionId]);
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) {
      words.push(((value.readUInt16BE(4 + i) ^ mask.readUInt16BE(i)) & 0xffff).toString(16));
    }
    return { family: "IPv6", address: words.join(":"), port };
  }
  return undefined;
}

/** The offset of the first attribute of `type` in an encoded message. */
function offsetOf(buf: Buffer, type: number): number | undefined {
  const end = Math.min(buf.length, HEADER_SIZE + buf.readUInt16BE(2));
  let offset = HEADER_SIZE;
  while (offset + 4 <= end) {
    if (buf.readUInt16BE(offset) === type) return offset;
    offset += 4 + padded(buf.readUInt16BE(offset + 2));
  }
  return undefined;
}

/** The header of `buf` with its length field counting the body up to `bodyEnd`. */
function headerUpTo(buf: Buffer, bodyEnd: number): Buffer {
  const head = Buffer.from(buf.subarray(0, HEADER_SIZE));
  head.writeUInt16BE(bodyEnd - HEADER_SIZE, 2);
  return head;
}

/**
 * Checks MESSAGE-INTEGRITY of an encoded message with `key`: the HMAC covers everything before the
 * attribute, with the header length counting up to the attribute's end (RFC 5389 §15.4).
 */
export function hasValidIntegrity(buf: Buffer, key: Buffer): boolean {
  const offset = offsetOf(buf, StunAttr.MessageIntegrity);
  if (offset === undefined || buf.readUInt16BE(offset + 2) !== 20 || offset + 24 > buf.length) return false;
  const expected = createHmac("sha1", key)
    .update(headerUpTo(buf, offset + 24))
    .update(buf.subarray(HEADER_SIZE, offset))
    .digest();
  return timingSafeEqual(expected, buf.subarray(offset + 4, offset + 24));
}

/** Checks FINGERPRINT (RFC 5389 §15.5); a message without one passes, since it is optional. */
export function hasValidFingerprint(buf: Buffer): boolean {
  const offset = offsetOf(buf, StunAttr.Fingerprint);
  if (offset === undefined) return true;
  if (buf.readUInt16BE(offset + 2) !== 4 || offset + 8 > buf.length) return false;
  const crc = crc32(buf.subarray(HEADER_SIZE, offset), crc32(headerUpTo(buf, offset + 8)));
  return (crc ^ FINGERPRINT_XOR) >>> 0 === buf.readUInt32BE(offset + 4);
}
