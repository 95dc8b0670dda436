import type { PublishedTrack } from "#contracts/api/rooms.ts";
import type { IceServer } from "#contracts/cloudflare/realtime.ts";
import type { SessionMethods } from "../credentials.ts";
import { announced } from "./local-media.ts";

export interface SfuLinkOptions {
  sessionId: string;
  session: SessionMethods;
  iceServers: IceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  track(user: string, track: MediaStreamTrack, stream: MediaStream): void;
  state(state: RTCPeerConnectionState): void;
}

type TrackResult = { mid?: string; trackName?: string; errorCode?: string; errorDescription?: string };

function failedTrack(what: string, tracks: TrackResult[]): void {
  const failed = tracks.find((t) => t.errorCode);
  if (failed)
    throw new Error(
      `${what} ${failed.trackName ?? failed.mid ?? ""}: ${failed.errorCode} ${failed.errorDescription ?? ""}`,
    );
}

/**
 * The participant's one connection to the SFU, on the Realtime session of its grant, driven
 * through the Worker's session proxy as Cloudflare's realtime-examples drive Realtime itself
 * (docs/reference/cloudflare-api.md §5.2): `tracks/new` with an offer to publish, `tracks/new` with
 * remote tracks then `renegotiate` with the answer to pull, `tracks/close` with `force` to stop.
 * Operations on the session run one at a time, since each changes the same SDP.
 */
export class SfuLink {
  readonly pc: RTCPeerConnection;
  /** Which participant each pulled mid carries. */
  private readonly pulledFrom = new Map<string, string>();
  /** `session/track` → mid of what is pulled. */
  private readonly pulled = new Map<string, string>();
  private readonly published: string[] = [];
  private operations: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SfuLinkOptions) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      bundlePolicy: "max-bundle",
    });
    this.pc.addEventListener("track", ({ track, transceiver, streams }) => {
      const user = this.pulledFrom.get(transceiver.mid ?? "");
      if (user) options.track(user, track, streams[0] ?? new MediaStream([track]));
    });
    this.pc.addEventListener("connectionstatechange", () => options.state(this.pc.connectionState));
  }

  /** Publishes the local tracks, each under its kind's name; resolves to what the room socket announces. */
  publish(tracks: readonly MediaStreamTrack[]): Promise<PublishedTrack[]> {
    return this.serially(async () => {
      if (tracks.length === 0) return [];
      const transceivers = tracks.map((track) => this.pc.addTransceiver(track, { direction: "sendonly" }));
      await this.pc.setLocalDescription(await this.pc.createOffer());
      const published = announced(tracks, this.options.sessionId);
      const res = await this.options.session.sfuTracksNew({
        sessionDescription: { type: "offer", sdp: this.pc.localDescription!.sdp },
        tracks: transceivers.map((t, i) => ({
          location: "local",
          mid: t.mid!,
          trackName: published[i]!.track_name,
        })),
      });
      failedTrack("publishing", res.tracks);
      await this.pc.setRemoteDescription(res.sessionDescription!);
      this.published.push(...transceivers.map((t) => t.mid!));
      return published;
    });
  }

  /** Pulls what another participant publishes and is not pulled yet. */
  pull(user: string, tracks: readonly PublishedTrack[]): Promise<void> {
    return this.serially(async () => {
      const wanted = tracks.filter(
        (t) =>
          t.session_id &&
          t.session_id !== this.options.sessionId &&
          !this.pulled.has(`${t.session_id}/${t.track_name}`),
      );
      if (wanted.length === 0) return;
      const res = await this.options.session.sfuTracksNew({
        tracks: wanted.map((t) => ({
          location: "remote",
          sessionId: t.session_id!,
          trackName: t.track_name,
        })),
      });
      failedTrack(`pulling ${user}'s`, res.tracks);
      res.tracks.forEach((t, i) => {
        this.pulledFrom.set(t.mid!, user);
        this.pulled.set(`${wanted[i]!.session_id}/${wanted[i]!.track_name}`, t.mid!);
      });
      if (!res.requiresImmediateRenegotiation) return;
      await this.pc.setRemoteDescription(res.sessionDescription!);
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await this.options.session.sfuRenegotiate({
        sessionDescription: { type: "answer", sdp: this.pc.localDescription!.sdp },
      });
    });
  }

  /** Stops pulling a participant's tracks (they left, or unpublished them). */
  unpull(user: string, keep: readonly PublishedTrack[] = []): Promise<MediaStreamTrack[]> {
    return this.serially(async () => {
      const kept = new Set(keep.map((t) => `${t.session_id}/${t.track_name}`));
      const mids: string[] = [];
      for (const [key, mid] of this.pulled) {
        if (this.pulledFrom.get(mid) !== user || kept.has(key)) continue;
        mids.push(mid);
        this.pulled.delete(key);
        this.pulledFrom.delete(mid);
      }
      return this.close(mids);
    });
  }

  setIceServers(iceServers: IceServer[]): void {
    this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /** Closes the published tracks on the session (best effort: the connection closes next anyway). */
  async leave(): Promise<void> {
    await this.serially(() => this.close(this.published.splice(0))).catch(() => {});
    this.pc.close();
  }

  /**
   * Closes these mids on the session with `force`, which needs no renegotiation
   * (docs/reference/cloudflare-api.md §5.2): the SFU stops forwarding at once, and its next offer
   * marks them inactive. Resolves to the tracks they carried.
   */
  private async close(mids: string[]): Promise<MediaStreamTrack[]> {
    if (mids.length === 0 || this.pc.connectionState === "closed") return [];
    const tracks = this.pc
      .getTransceivers()
      .filter((t) => t.mid !== null && mids.includes(t.mid))
      .map((t) => t.receiver.track);
    const res = await this.options.session.sfuTracksClose({
      tracks: mids.map((mid) => ({ mid })),
      force: true,
    });
    failedTrack("closing", res.tracks);
    return tracks;
  }

  /** Runs after the operations before it; a failure is the caller's to report, and the next operation still runs. */
  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.operations.then(operation);
    this.operations = run.catch(() => {});
    return run;
  }
}
