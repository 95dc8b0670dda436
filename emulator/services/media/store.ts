import type { Section, StateFile } from "../../core/state-file.ts";
import type { TlsIdentity } from "./ingest/tls.ts";

interface MediaState {
  /** Ports the ingest listened on last time, so that the URLs the live inputs hand out stay the same. */
  rtmpPort?: number | undefined;
  rtmpsPort?: number | undefined;
  /** The UDP port of each live input's SRT listener (its `srt.url`). */
  srtPorts: Record<string, number>;
  /** The RTMPS server's self-signed certificate, kept so that a client that trusted it keeps trusting it. */
  tls?: TlsIdentity;
}

interface MediaSection {
  media: MediaState;
}

/** The media plane's own data: its ports and certificate. Broadcasts live in memory only. */
export class MediaStore {
  private data: MediaState;
  private readonly section: Section<MediaSection>;

  constructor(state: StateFile) {
    this.section = state.section<MediaSection>(["media"], () => ({ media: this.data }));
    const loaded = this.section.loaded?.media;
    this.data = { ...loaded, srtPorts: { ...loaded?.srtPorts } };
  }

  get ports(): { rtmp: number | undefined; rtmps: number | undefined } {
    return { rtmp: this.data.rtmpPort, rtmps: this.data.rtmpsPort };
  }

  setPorts(rtmp: number, rtmps: number | undefined): void {
    this.data.rtmpPort = rtmp;
    this.data.rtmpsPort = rtmps;
    this.section.changed();
  }

  get tls(): TlsIdentity | undefined {
    return this.data.tls;
  }

  setTls(tls: TlsIdentity): void {
    this.data.tls = tls;
    this.section.changed();
  }

  srtPort(uid: string): number | undefined {
    return Object.hasOwn(this.data.srtPorts, uid) ? this.data.srtPorts[uid] : undefined;
  }

  setSrtPort(uid: string, port: number): void {
    this.data.srtPorts[uid] = port;
    this.section.changed();
  }

  /** Ports of inputs that no longer exist are let go. */
  forgetSrtPortsExcept(uids: Set<string>): void {
    const before = Object.keys(this.data.srtPorts).length;
    this.data.srtPorts = Object.fromEntries(
      Object.entries(this.data.srtPorts).filter(([uid]) => uids.has(uid)),
    );
    if (Object.keys(this.data.srtPorts).length !== before) this.section.changed();
  }

  /** The inputs are gone (admin reset); the listening ports and certificate stay, as the servers do. */
  reset(): void {
    this.data.srtPorts = {};
    this.section.changed();
  }
}
