import { randomBytes } from "node:crypto";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import type { Children, TrackedChild } from "../children.ts";
import type { RtmpRelay } from "./rtmp.ts";
import type { IngestError } from "./rules.ts";

/** The RTMP application SRT broadcasts are relayed to. */
const RELAY_APP = "srt";

interface Listener {
  uid: string;
  passphrase: string;
  port: number;
  /** The relay's stream name: stands for this listener (and so this input and passphrase) only. */
  token: string;
  ffmpeg: TrackedChild;
  failures: number;
}

export interface SrtIngestOptions {
  ffmpeg: string;
  children: Children;
  host: string;
  inputs: LiveInputs;
  broadcasts: Broadcasts;
  /** The local RTMP server's URL (`rtmp://127.0.0.1:<port>`) that SRT broadcasts are relayed into. */
  rtmpBase: () => string;
  /** The UDP port of the input's listener, kept across restarts; `retry` asks for another one. */
  portOf(uid: string, retry?: boolean): number;
}

/**
 * SRT ingest in caller mode with the passphrase enforced, by Debian's ffmpeg (libsrt) in listener
 * mode: neither ffmpeg nor srt-live-transmit routes callers by stream id, so each enabled live input
 * has its own port (its `srt.url`), on which a wrong passphrase is refused in the SRT handshake.
 * What a caller sends is relayed, unchanged, into the local RTMP ingest, so that the same rules,
 * state changes and packaging apply as to RTMPS.
 */
export class SrtIngest {
  private readonly listeners = new Map<string, Listener>();
  private closed = false;

  constructor(private readonly options: SrtIngestOptions) {}

  readonly relay: RtmpRelay = {
    app: RELAY_APP,
    protocol: "srt",
    resolve: (token) => {
      const listener = [...this.listeners.values()].find((l) => l.token === token);
      return listener && { uid: listener.uid, credential: listener.passphrase };
    },
    // Ending the listener ends the caller's connection; it then listens again.
    drop: (token) => {
      const listener = [...this.listeners.values()].find((l) => l.token === token);
      if (listener) void listener.ffmpeg.stop();
    },
  };

  /** A listener for each enabled input with its current passphrase, and none for the others. */
  reconcile(): void {
    if (this.closed) return;
    const wanted = new Map(
      this.options.inputs
        .list()
        .filter((i) => i.enabled)
        .map((i) => [i.uid, i.srtPassphrase]),
    );
    for (const listener of [...this.listeners.values()]) {
      if (wanted.get(listener.uid) !== listener.passphrase) {
        this.listeners.delete(listener.uid);
        void listener.ffmpeg.stop();
      }
    }
    for (const [uid, passphrase] of wanted) {
      if (!this.listeners.has(uid)) this.listen(uid, passphrase, 0);
    }
  }

  close(): void {
    this.closed = true;
    for (const listener of this.listeners.values()) void listener.ffmpeg.stop();
    this.listeners.clear();
  }

  private listen(uid: string, passphrase: string, failures: number): void {
    const port = this.options.portOf(uid, failures > 2);
    const token = randomBytes(16).toString("hex");
    const url = `srt://${this.options.host}:${port}?mode=listener&passphrase=${passphrase}`;
    const ffmpeg = this.options.children.spawn(this.options.ffmpeg, [
      ...["-hide_banner", "-loglevel", "info", "-nostats", "-nostdin"],
      // ffmpeg reads 5 s of an input before it writes anything (its default analyzeduration), which
      // held the relay, and so "connected", 5 s behind the caller; the first keyframe's SPS/PPS and
      // an ADTS header are all the copy to FLV needs (the 5 s default: FFmpeg libavformat/demux.c).
      ...["-analyzeduration", "1000000", "-f", "mpegts", "-i", url],
      ...[
        "-map",
        "0:v?",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-f",
        "flv",
        `${this.options.rtmpBase()}/${RELAY_APP}/${token}`,
      ],
    ]);
    const listener: Listener = { uid, passphrase, port, token, ffmpeg, failures };
    this.listeners.set(uid, listener);
    const started = performance.now();
    void ffmpeg.exited.then((code) => {
      if (this.listeners.get(uid) !== listener) return;
      this.listeners.delete(uid);
      const unsupported = code !== 0 ? unsupportedCodec(ffmpeg.stderr()) : undefined;
      if (unsupported) this.refuse(uid, passphrase, unsupported);
      // A caller came and went: listen again at once. One that exits at once (the port taken): back off.
      const failed = code !== 0 && !unsupported && performance.now() - started < 1_000;
      setTimeout(
        () => this.relisten(uid, failed ? failures + 1 : 0),
        failed ? Math.min(250 * 2 ** failures, 10_000) : 0,
      );
    });
  }

  private relisten(uid: string, failures: number): void {
    if (this.closed || this.listeners.has(uid)) return;
    const input = this.options.inputs.get(uid);
    if (input?.enabled) this.listen(uid, input.srtPassphrase, failures);
  }

  /** A codec FLV cannot carry never reaches the RTMP ingest's rules: the input errors here, the same way. */
  private refuse(uid: string, passphrase: string, error: IngestError): void {
    const { broadcasts } = this.options;
    const broadcast = broadcasts.admit({ uid, protocol: "srt", credential: passphrase, drop: () => {} });
    if ("refused" in broadcast) return;
    broadcasts.failed(broadcast, error);
    broadcasts.ended(broadcast);
  }
}

/** From ffmpeg's dump of its input (`Stream #0:0[0x100]: Video: hevc (Main) …`): a codec Cloudflare refuses. */
export function unsupportedCodec(stderr: string): IngestError | undefined {
  const video = /Stream #0:\d+\S*: Video: (\w+)/.exec(stderr)?.[1];
  const audio = /Stream #0:\d+\S*: Audio: (\w+)/.exec(stderr)?.[1];
  if (video && video !== "h264") {
    return {
      code: "ERR_UNSUPPORTED_VIDEO_CODEC",
      message: `Video codec ${video} is not supported: use H.264`,
    };
  }
  if (audio && audio !== "aac") {
    return { code: "ERR_UNSUPPORTED_AUDIO_CODEC", message: `Audio codec ${audio} is not supported: use AAC` };
  }
  return undefined;
}
