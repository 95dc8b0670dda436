import { isConnectedState } from "#contracts/cloudflare/stream.ts";
import { subscribe } from "../../core/listeners.ts";
import type { StoredLiveInput, StreamStore } from "../stream/store.ts";
import type { IngestError } from "./ingest/rules.ts";

export type IngestProtocol = "rtmp" | "srt" | "webrtc";

/** What the media plane needs of Stream: lookups and the state-change path an admin flip takes too. */
export type LiveInputs = Pick<
  StreamStore,
  "list" | "get" | "listOutputs" | "customerCode" | "setConnectionState" | "onStateChange" | "onInputsChanged"
>;

/** A broadcast's FLV tags (RTMP and SRT ingest), for the packager. */
export type FlvTap = (write: (tag: Buffer) => void) => () => void;

/** One broadcaster on one live input, from the moment its ingest admitted it. */
export interface Broadcast {
  readonly uid: string;
  readonly protocol: IngestProtocol;
  /** The credential it was admitted with (stream key, SRT passphrase, WHIP secret): stale after rotate_keys. */
  readonly credential: string;
  /** Set once media arrives and the input is connected. */
  connected: boolean;
  /** When the ingest admitted it (performance.now()). */
  readonly admittedAt: number;
  /** RTMP and SRT ingest: the stream as FLV tags. */
  flv?: FlvTap;
}

export interface Admission {
  uid: string;
  protocol: IngestProtocol;
  credential: string;
  /** Drops the broadcaster's connection; the ingest then calls `ended`. */
  drop: () => void;
}

/** An admitted broadcaster that sends no playable media within this long gives the input back. */
const FIRST_MEDIA_DEADLINE_MS = 30_000;

const credentialOf = (input: Readonly<StoredLiveInput>, protocol: IngestProtocol) =>
  protocol === "rtmp" ? input.streamKey : protocol === "srt" ? input.srtPassphrase : input.whipSecret;

type Listener = (broadcast: Broadcast) => void;

/**
 * Every broadcast in progress, one per live input, and the input's state following it: connected when
 * media arrives, disconnected when the broadcaster leaves, errored with Cloudflare's code when the
 * stream breaks the rules. Each change goes through the Stream store's `setConnectionState`, the path
 * an admin flip takes, so that it posts the same notifications. The other way round, a change Stream
 * makes (rotate_keys, `enabled: false`, deletion, an admin flip away from connected) drops the broadcaster.
 */
export class Broadcasts {
  private readonly live = new Map<
    string,
    { broadcast: Broadcast; drop: () => void; deadline: NodeJS.Timeout }
  >();
  private readonly liveListeners: Listener[] = [];
  private readonly endListeners: Listener[] = [];
  /** Set while this class changes a state, so that its own changes are not taken for Stream's. */
  private changing = false;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly inputs: LiveInputs) {
    this.unsubscribe = [
      inputs.onStateChange((change) => {
        if (this.changing || isConnectedState(change.state)) return;
        this.live.get(change.uid)?.drop();
      }),
      inputs.onInputsChanged(() => this.dropStale()),
    ];
  }

  /** The input to publish to, or why not: unknown, disabled, or already taken by another broadcaster. */
  admit(admission: Admission): Broadcast | { refused: string } {
    const input = this.inputs.get(admission.uid);
    if (!input) return { refused: "no such live input" };
    if (!input.enabled) return { refused: "the live input is disabled" };
    if (credentialOf(input, admission.protocol) !== admission.credential)
      return { refused: "stale credentials" };
    if (this.live.has(input.uid)) return { refused: "the live input already has a broadcaster" };
    const broadcast: Broadcast = {
      uid: input.uid,
      protocol: admission.protocol,
      credential: admission.credential,
      connected: false,
      admittedAt: performance.now(),
    };
    const deadline = setTimeout(() => {
      if (!broadcast.connected) admission.drop();
    }, FIRST_MEDIA_DEADLINE_MS);
    deadline.unref();
    this.live.set(input.uid, { broadcast, drop: admission.drop, deadline });
    return broadcast;
  }

  /** Media arrived and follows the rules: the input is connected. */
  connected(broadcast: Broadcast): void {
    if (broadcast.connected || !this.isCurrent(broadcast)) return;
    broadcast.connected = true;
    this.setState(broadcast, "connected");
    for (const listener of [...this.liveListeners]) listener(broadcast);
  }

  /** The stream broke Cloudflare's rules: the input is errored with the code, and the broadcaster dropped. */
  failed(broadcast: Broadcast, error: IngestError): void {
    if (!this.isCurrent(broadcast)) return;
    this.setState(broadcast, "failed_to_connect", error);
    this.live.get(broadcast.uid)?.drop();
  }

  /** The broadcaster is gone, however it went: a connected input becomes disconnected. */
  ended(broadcast: Broadcast): void {
    if (!this.isCurrent(broadcast)) return;
    clearTimeout(this.live.get(broadcast.uid)?.deadline);
    this.live.delete(broadcast.uid);
    for (const listener of [...this.endListeners]) listener(broadcast);
    const input = this.inputs.get(broadcast.uid);
    // Stream may have moved the input already (rotate_keys, disabling, an error): no second notification.
    if (broadcast.connected && input && isConnectedState(input.state))
      this.setState(broadcast, "client_disconnect");
  }

  /** The broadcast in progress on the input, if any. */
  current(uid: string): Broadcast | undefined {
    return this.live.get(uid)?.broadcast;
  }

  /** Called when a broadcast connects (to start packaging); returns the unsubscribe. */
  onConnected(listener: Listener): () => void {
    return subscribe(this.liveListeners, listener);
  }

  /** Called when a broadcast ends; returns the unsubscribe. */
  onEnded(listener: Listener): () => void {
    return subscribe(this.endListeners, listener);
  }

  /** Drops every broadcaster (the emulator is closing). */
  dropAll(): void {
    for (const { drop } of [...this.live.values()]) drop();
  }

  close(): void {
    this.dropAll();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private isCurrent(broadcast: Broadcast): boolean {
    return this.live.get(broadcast.uid)?.broadcast === broadcast;
  }

  private dropStale(): void {
    for (const { broadcast, drop } of [...this.live.values()]) {
      const input = this.inputs.get(broadcast.uid);
      if (!input?.enabled || credentialOf(input, broadcast.protocol) !== broadcast.credential) drop();
    }
  }

  private setState(broadcast: Broadcast, state: string, error?: IngestError): void {
    if (!this.inputs.get(broadcast.uid)) return;
    this.changing = true;
    try {
      this.inputs.setConnectionState(broadcast.uid, state, error, broadcast.protocol);
    } finally {
      this.changing = false;
    }
  }
}
