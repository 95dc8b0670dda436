import { createSocket } from "node:dgram";
import { connect, isIP } from "node:net";
import {
  decodeStun,
  encodeStun,
  errorCodeOf,
  hasValidFingerprint,
  hasValidIntegrity,
  longTermKey,
  newTransactionId,
  StunAttr,
  type StunAttribute,
  type StunMessage,
  StunMethod,
  stunMessageSize,
  TRANSPORT_UDP,
  type TransportAddress,
  textAttribute,
  textOf,
  u32Attribute,
  xorAddressOf,
} from "./stun.ts";

/**
 * A minimal TURN client (RFC 5766) for the local TURN pieces: it tells when coturn answers STUN
 * (start-up), and the tests of coturn and the revocation gate read the exact refusal reasons with
 * it. Local only: the probes of a deployed stack use werift's own ICE and TURN client.
 */

export interface TurnServerAddress {
  host: string;
  port: number;
  /** How the client talks to the server; the relay is UDP either way. Default "udp". */
  transport?: "udp" | "tcp";
}

export interface TurnProbeOptions extends TurnServerAddress {
  username: string;
  credential: string;
  /** Bound on the whole exchange. Default 5000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type TurnProbeFailure =
  /** The server refused the credentials (401 to an authenticated Allocate). */
  | { ok: false; reason: "unauthorized"; message: string }
  /** Any other STUN error response. */
  | { ok: false; reason: "rejected"; code: number; message: string }
  /** A response that breaks the protocol (missing attributes, bad integrity). */
  | { ok: false; reason: "protocol"; message: string }
  /** No answer within the deadline. */
  | { ok: false; reason: "timeout"; message: string }
  /** The socket failed (unreachable host, refused TCP connection). */
  | { ok: false; reason: "network"; message: string };

export type TurnProbeResult =
  | { ok: true; relayedAddress: TransportAddress; mappedAddress?: TransportAddress; realm: string }
  | TurnProbeFailure;

export type StunBindingResult = { ok: true; mappedAddress: TransportAddress } | TurnProbeFailure;

/** UDP retransmission interval; RFC 5389's 500 ms RTO, kept fixed since the deadline bounds it. */
const RETRANSMIT_MS = 500;

class ProbeError extends Error {
  constructor(readonly failure: TurnProbeFailure) {
    super(failure.message);
  }
}

const fail = (failure: TurnProbeFailure): never => {
  throw new ProbeError(failure);
};

/** One socket to a STUN server that matches responses to requests by transaction id. */
class StunTransactions {
  private readonly pending = new Map<string, (raw: Buffer, message: StunMessage) => void>();
  private readonly send: (buf: Buffer) => void;
  private readonly closeSocket: () => void;
  private readonly ready: Promise<void>;
  private failure?: TurnProbeFailure;
  private onFailure: ((failure: TurnProbeFailure) => void) | undefined;

  constructor(
    private readonly server: TurnServerAddress,
    private readonly signal: AbortSignal,
  ) {
    const networkFailure = (err: Error) => this.fail({ ok: false, reason: "network", message: err.message });
    if ((server.transport ?? "udp") === "udp") {
      const socket = createSocket(isIP(server.host) === 6 ? "udp6" : "udp4");
      socket.on("message", (buf) => this.receive(buf));
      socket.on("error", networkFailure);
      this.send = (buf) => socket.send(buf, server.port, server.host);
      this.closeSocket = () => socket.close();
      this.ready = Promise.resolve();
    } else {
      const socket = connect({ host: server.host, port: server.port });
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (let size = stunMessageSize(buffered); size && buffered.length >= size; ) {
          this.receive(buffered.subarray(0, size));
          buffered = buffered.subarray(size);
          size = stunMessageSize(buffered);
        }
      });
      socket.on("error", networkFailure);
      socket.on("close", () => networkFailure(new Error("the server closed the connection")));
      this.send = (buf) => socket.write(buf);
      this.closeSocket = () => socket.destroy();
      this.ready = new Promise((resolve) => socket.once("connect", () => resolve()));
    }
  }

  private fail(failure: TurnProbeFailure): void {
    this.failure ??= failure;
    this.onFailure?.(failure);
  }

  private receive(buf: Buffer): void {
    const message = decodeStun(buf);
    if (!message) return;
    if (!hasValidFingerprint(buf)) {
      this.fail({ ok: false, reason: "protocol", message: "a response with a bad FINGERPRINT" });
      return;
    }
    this.pending.get(message.transactionId.toString("hex"))?.(buf, message);
  }

  /** Sends a request and resolves with its response (retransmitted over UDP until the deadline). */
  async request(
    method: number,
    attributes: StunAttribute[],
    key?: Buffer,
  ): Promise<{ raw: Buffer; message: StunMessage }> {
    const transactionId = newTransactionId();
    const packet = encodeStun({ method, cls: "request", transactionId, attributes }, key);
    return new Promise((resolve, reject) => {
      const id = transactionId.toString("hex");
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearInterval(timer);
        this.pending.delete(id);
        this.signal.removeEventListener("abort", onAbort);
        this.onFailure = undefined;
      };
      const onAbort = () => {
        done();
        reject(new ProbeError({ ok: false, reason: "timeout", message: timeoutMessage(this.server) }));
      };
      this.onFailure = (failure) => {
        done();
        reject(new ProbeError(failure));
      };
      if (this.failure) return this.onFailure(this.failure);
      if (this.signal.aborted) return onAbort();
      this.signal.addEventListener("abort", onAbort);
      this.pending.set(id, (raw, message) => {
        done();
        resolve({ raw, message });
      });
      this.ready.then(() => {
        if (!this.pending.has(id)) return;
        this.send(packet);
        if ((this.server.transport ?? "udp") === "udp") {
          timer = setInterval(() => this.send(packet), RETRANSMIT_MS);
        }
      });
    });
  }

  close(): void {
    this.closeSocket();
  }
}

const timeoutMessage = (s: TurnServerAddress) =>
  `no answer from ${s.transport ?? "udp"}://${s.host}:${s.port} before the deadline`;

async function withTransactions<T>(
  options: TurnServerAddress & { timeoutMs?: number; signal?: AbortSignal },
  run: (t: StunTransactions) => Promise<T>,
): Promise<T | TurnProbeFailure> {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? 5000);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const transactions = new StunTransactions(options, signal);
  try {
    return await run(transactions);
  } catch (err) {
    if (err instanceof ProbeError) return err.failure;
    throw err;
  } finally {
    transactions.close();
  }
}

/** A STUN Binding request: is the server there, and what address does it see. */
export function stunBinding(
  options: TurnServerAddress & { timeoutMs?: number; signal?: AbortSignal },
): Promise<StunBindingResult> {
  return withTransactions(options, async (t) => {
    const { message } = await t.request(StunMethod.Binding, []);
    const mappedAddress = xorAddressOf(message, StunAttr.XorMappedAddress);
    if (message.cls !== "success" || !mappedAddress) {
      return fail({ ok: false, reason: "protocol", message: "Binding answered without XOR-MAPPED-ADDRESS" });
    }
    return { ok: true as const, mappedAddress };
  });
}

/**
 * Allocates a UDP relay with `username`/`credential` (the TURN REST credentials), then releases it.
 * Resolves with the relayed address, or with why it failed; rejects only on programming errors.
 */
export function probeTurn(options: TurnProbeOptions): Promise<TurnProbeResult> {
  return withTransactions(options, async (t) => {
    const transport = u32Attribute(StunAttr.RequestedTransport, TRANSPORT_UDP);
    const { message: challenge } = await t.request(StunMethod.Allocate, [transport]);
    if (challenge.cls === "success") {
      return fail({ ok: false, reason: "protocol", message: "the server allocated without credentials" });
    }
    const realm = textOf(challenge, StunAttr.Realm);
    let nonce = textOf(challenge, StunAttr.Nonce);
    if (errorCodeOf(challenge)?.code !== 401 || !realm || !nonce) {
      return fail(rejection(challenge, "expected a 401 challenge with REALM and NONCE"));
    }
    const key = longTermKey(options.username, realm, options.credential);
    const authenticated = (n: string, extra: StunAttribute[]) => [
      ...extra,
      textAttribute(StunAttr.Username, options.username),
      textAttribute(StunAttr.Realm, realm),
      textAttribute(StunAttr.Nonce, n),
    ];

    // One retry on 438 Stale Nonce, as RFC 5389 §10.2.3 has clients do.
    for (let attempt = 0; ; attempt += 1) {
      const { raw, message } = await t.request(StunMethod.Allocate, authenticated(nonce, [transport]), key);
      const error = errorCodeOf(message);
      if (message.cls === "error" && error?.code === 438 && attempt === 0) {
        nonce = textOf(message, StunAttr.Nonce) ?? nonce;
        continue;
      }
      if (message.cls === "error") {
        if (error?.code === 401) {
          return fail({ ok: false, reason: "unauthorized", message: `401 ${error.reason}`.trim() });
        }
        return fail(rejection(message, "Allocate failed"));
      }
      if (!hasValidIntegrity(raw, key)) {
        return fail({ ok: false, reason: "protocol", message: "Allocate success without valid integrity" });
      }
      const relayedAddress = xorAddressOf(message, StunAttr.XorRelayedAddress);
      if (!relayedAddress) {
        return fail({
          ok: false,
          reason: "protocol",
          message: "Allocate success without XOR-RELAYED-ADDRESS",
        });
      }
      // Release the relay right away rather than hold it for its 10-minute lifetime; the probe has
      // its answer already, so a failed release does not change it.
      await t
        .request(StunMethod.Refresh, authenticated(nonce, [u32Attribute(StunAttr.Lifetime, 0)]), key)
        .catch(() => undefined);
      const mappedAddress = xorAddressOf(message, StunAttr.XorMappedAddress);
      return { ok: true as const, relayedAddress, ...(mappedAddress ? { mappedAddress } : {}), realm };
    }
  });
}

function rejection(message: StunMessage, context: string): TurnProbeFailure {
  const error = errorCodeOf(message);
  return error
    ? {
        ok: false,
        reason: "rejected",
        code: error.code,
        message: `${context}: ${error.code} ${error.reason}`,
      }
    : { ok: false, reason: "protocol", message: context };
}
