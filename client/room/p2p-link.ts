import type { IceServer } from "#contracts/cloudflare/realtime.ts";

/** What goes in a room socket `signal` between the two peers. */
export type P2pSignal = { description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit };

export interface P2pLinkOptions {
  self: string;
  peer: string;
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  tracks: readonly MediaStreamTrack[];
  signal(data: P2pSignal): void;
  track(track: MediaStreamTrack, stream: MediaStream): void;
  message(data: unknown): void;
  state(state: RTCPeerConnectionState): void;
  warning(error: Error): void;
}

/** A disconnected connection gets this long to come back by itself before its ICE is restarted. */
const DISCONNECTED_GRACE_MS = 2_000;

/**
 * One peer-to-peer connection to the other participant of a two-person room, through the TURN
 * servers of the grant, signalled over the room socket. It follows the "perfect negotiation"
 * pattern (W3C webrtc-pc §10.7 example): either side may offer at any time (tracks added, an ICE
 * restart), and when both do at once the polite one, the lower user id, yields. The data channel is
 * pre-negotiated (id 0), so both ends have it without another round of signalling.
 */
export class P2pLink {
  readonly pc: RTCPeerConnection;
  private readonly channel: RTCDataChannel;
  private readonly polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  private disconnectedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: P2pLinkOptions) {
    this.polite = options.self < options.peer;
    const pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
    });
    this.pc = pc;
    this.channel = pc.createDataChannel("room", { negotiated: true, id: 0 });
    this.channel.addEventListener("message", (event) => {
      try {
        options.message(JSON.parse(String(event.data)));
      } catch {
        options.warning(new Error(`${options.peer} sent a data-channel message that is not JSON`));
      }
    });
    for (const track of options.tracks) pc.addTrack(track, new MediaStream([track]));
    pc.addEventListener("negotiationneeded", () => void this.offer());
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) options.signal({ candidate: candidate.toJSON() });
    });
    pc.addEventListener("track", ({ track, streams }) =>
      options.track(track, streams[0] ?? new MediaStream([track])),
    );
    pc.addEventListener("connectionstatechange", () => this.onState());
  }

  get dataChannelOpen(): boolean {
    return this.channel.readyState === "open";
  }

  send(data: unknown): void {
    this.channel.send(JSON.stringify(data));
  }

  /** New TURN credentials (a renewed grant), set in place as Cloudflare advises (docs/reference/cloudflare-api.md §5.1). */
  setIceServers(iceServers: IceServer[]): void {
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /** Gathers new candidates on both sides (the network changed): the offer that follows carries new ICE credentials. */
  restartIce(): void {
    if (this.pc.connectionState !== "closed") this.pc.restartIce();
  }

  async receive(data: P2pSignal): Promise<void> {
    try {
      if ("description" in data) {
        const { description } = data;
        const collision =
          description.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        await this.pc.setRemoteDescription(description);
        if (description.type === "offer") {
          await this.pc.setLocalDescription();
          this.options.signal({ description: this.pc.localDescription!.toJSON() });
        }
      } else {
        try {
          await this.pc.addIceCandidate(data.candidate);
        } catch (error) {
          // A candidate of an offer this side ignored in a collision is expected to fail.
          if (!this.ignoreOffer) throw error;
        }
      }
    } catch (error) {
      this.options.warning(error instanceof Error ? error : new Error(String(error)));
    }
  }

  close(): void {
    clearTimeout(this.disconnectedTimer);
    this.pc.close();
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.options.signal({ description: this.pc.localDescription!.toJSON() });
    } catch (error) {
      this.options.warning(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.makingOffer = false;
    }
  }

  private onState(): void {
    const state = this.pc.connectionState;
    clearTimeout(this.disconnectedTimer);
    // Either side may restart; the polite/impolite roles settle the offers that cross.
    if (state === "failed") this.restartIce();
    if (state === "disconnected")
      this.disconnectedTimer = setTimeout(() => this.restartIce(), DISCONNECTED_GRACE_MS);
    this.options.state(state);
  }
}
