import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Env } from "../../core/env.ts";
import type { EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { ResolvePlayback } from "../stream/playback-access.ts";
import type { IngestUrls } from "../stream/views.ts";
import { Broadcasts, type LiveInputs } from "./broadcasts.ts";
import { Children } from "./children.ts";
import { RtmpIngest } from "./ingest/rtmp.ts";
import { SrtIngest } from "./ingest/srt.ts";
import { selfSignedCertificate } from "./ingest/tls.ts";
import { whipRoutes } from "./ingest/whip.ts";
import { Packager } from "./packaging/packager.ts";
import { Audience } from "./playback/audience.ts";
import { manifestRoutes } from "./playback/manifests.ts";
import { thumbnailRoutes } from "./playback/thumbnails.ts";
import { whepRoutes } from "./playback/whep.ts";
import { UdpPortPool } from "./ports.ts";
import { Restreamer } from "./restream/relays.ts";
import { MediaStore } from "./store.ts";
import type { WhipPublisher } from "./webrtc/relay.ts";

/** Where Stream delivery is served (the Stream service's lifecycle endpoint shares it). */
const DELIVERY = "/delivery";

export interface MediaOptions {
  /** Debian's ffmpeg: packaging to HLS and DASH, and SRT ingest. Without it both are off. */
  ffmpeg?: string;
  /** openssl, for the RTMPS certificate. Without it RTMPS is off and RTMP still works. */
  openssl?: string;
  /** 0 picks a free port; by default the last run's, when still free. */
  rtmpPort?: number;
  rtmpsPort?: number;
}

export interface MediaDeps {
  state: StateFile;
  host: string;
  liveInputs: LiveInputs;
  /** Stream's signed-URL check, which every playback path passes. */
  resolvePlayback: ResolvePlayback;
  options: MediaOptions;
}

/** Which parts of the media plane run, for `npm start` to say what is off. */
export interface MediaFeatures {
  rtmp: boolean;
  rtmps: boolean;
  srt: boolean;
  hlsDash: boolean;
  /** WHIP and WHEP (werift, in-process): always on. */
  webrtc: true;
}

export interface MediaPlane extends EmulatorService<MediaStore> {
  /** Opens the ingest listeners; the URLs below are valid after it. */
  start(): Promise<void>;
  /** Where broadcasters connect, for the live inputs' `rtmps` and `srt` URLs. */
  ingestUrls(): IngestUrls;
  /** The RTMP servers, `…/live/` (plain RTMP too, for encoders without TLS); valid after `start`. */
  rtmpServers(): { rtmp: string; rtmps?: string };
  readonly features: MediaFeatures;
  readonly broadcasts: Broadcasts;
  /** The outputs being forwarded now (the emulator's own view; Cloudflare's API reports `enabled` only). */
  forwardingOutputs(): string[];
  /** The input's live viewers now, for Stream's `/views` (`Audience`). */
  liveViewers(uid: string): number;
  /** Drops every broadcaster and ends every process the plane started. */
  close(): Promise<void>;
}

/**
 * The media plane: real ingest into the Stream service's live inputs (RTMP/RTMPS, SRT, WHIP) and
 * playback at the delivery URLs (HLS, DASH, WHEP). It sees Stream only through `LiveInputs`.
 */
export function mediaService(deps: MediaDeps): MediaPlane {
  const { host, liveInputs, options } = deps;
  const store = new MediaStore(deps.state);
  const children = new Children();
  const broadcasts = new Broadcasts(liveInputs);
  const workDir = mkdtempSync(join(tmpdir(), "realtime-stack-media-"));
  const packager = options.ffmpeg ? new Packager(options.ffmpeg, children, workDir) : undefined;
  const features: MediaFeatures = {
    rtmp: false,
    rtmps: false,
    srt: false,
    hlsDash: false,
    webrtc: true,
  };
  const ports = new UdpPortPool(host);
  let rtmpBase = "";
  let rtmpsUrl: string | undefined;

  const srtPortOf = (uid: string, retry = false) => {
    const known = store.srtPort(uid);
    if (known !== undefined && !retry) return known;
    const taken = new Set(liveInputs.list().flatMap((i) => store.srtPort(i.uid) ?? []));
    const port = ports.take(taken);
    store.setSrtPort(uid, port);
    return port;
  };
  const srt = options.ffmpeg
    ? new SrtIngest({
        ffmpeg: options.ffmpeg,
        children,
        host,
        inputs: liveInputs,
        broadcasts,
        rtmpBase: () => rtmpBase,
        portOf: srtPortOf,
      })
    : undefined;
  const byUid = (uid: string) => liveInputs.get(uid);
  const rtmp = new RtmpIngest({
    host,
    broadcasts,
    keys: {
      byStreamKey: (key) => liveInputs.list().find((i) => i.streamKey === key)?.uid,
      byPlaybackKey: (key) => liveInputs.list().find((i) => i.playbackKey === key)?.uid,
      playbackKey: (uid) => byUid(uid)?.playbackKey,
    },
    relays: srt ? [srt.relay] : [],
  });

  const restreamer = options.ffmpeg
    ? new Restreamer(options.ffmpeg, children, liveInputs, broadcasts)
    : undefined;
  const restream = () => {
    if (features.hlsDash) restreamer?.reconcile();
  };

  broadcasts.onConnected((broadcast) => {
    if (features.hlsDash && byUid(broadcast.uid)?.recording.mode === "automatic") packager?.start(broadcast);
    restream();
  });
  broadcasts.onEnded((broadcast) => {
    void packager?.stop(broadcast.uid);
    restream();
  });
  const unsubscribe = liveInputs.onInputsChanged(() => {
    store.forgetSrtPortsExcept(new Set(liveInputs.list().map((i) => i.uid)));
    if (features.srt) srt?.reconcile();
    restream();
  });

  const routes = new Hono<Env>();
  // Players and WHIP/WHEP clients run on other origins (the dashboard, an app), as with Stream's delivery hosts.
  routes.use("*", cors({ origin: "*", exposeHeaders: ["Location", "Link"] }));
  const { resolvePlayback } = deps;
  const audience = new Audience();
  manifestRoutes(routes, { inputs: liveInputs, broadcasts, packager, resolvePlayback, audience });
  const { ffmpeg } = options;
  thumbnailRoutes(routes, { ffmpeg, children, inputs: liveInputs, broadcasts, packager, resolvePlayback });
  const publishers = new Map<string, WhipPublisher>();
  whipRoutes(routes, { host, inputs: liveInputs, broadcasts, publishers });
  whepRoutes(routes, { host, inputs: liveInputs, broadcasts, publishers, resolvePlayback, audience });

  return {
    store,
    mounts: [{ path: DELIVERY, routes }],
    features,
    broadcasts,
    forwardingOutputs: () => restreamer?.forwarding() ?? [],
    liveViewers: (uid) => audience.count(uid),
    async start() {
      const tls = options.openssl ? await certificate(store, options.openssl, host) : undefined;
      const listening = await listenWithFallback(rtmp, options, store.ports, tls);
      store.setPorts(listening.rtmp, listening.rtmps);
      rtmpBase = `rtmp://${host}:${listening.rtmp}`;
      rtmpsUrl = listening.rtmps === undefined ? undefined : `rtmps://${host}:${listening.rtmps}/live/`;
      features.rtmp = true;
      features.rtmps = rtmpsUrl !== undefined;
      const ffmpeg = options.ffmpeg ? await probeFfmpeg(options.ffmpeg) : { runs: false, srt: false };
      features.hlsDash = packager !== undefined && ffmpeg.runs;
      if (!ffmpeg.runs && options.ffmpeg)
        console.error(`media: ${options.ffmpeg} does not run: SRT, HLS and DASH are off`);
      if (srt && ffmpeg.srt) {
        await ports.fill();
        features.srt = true;
        srt.reconcile();
      }
    },
    rtmpServers: () => ({ rtmp: `${rtmpBase}/live/`, ...(rtmpsUrl ? { rtmps: rtmpsUrl } : {}) }),
    ingestUrls: () => ({
      // Without a certificate, RTMP stands in at the same path.
      rtmps: rtmpsUrl ?? `${rtmpBase}/live/`,
      srt: (uid) => (features.srt ? `srt://${host}:${srtPortOf(uid)}` : undefined),
    }),
    async close() {
      unsubscribe();
      srt?.close();
      await restreamer?.close();
      broadcasts.close();
      await rtmp.close();
      await packager?.close();
      await children.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Whether ffmpeg runs, and has SRT: Debian's is built with libsrt, others may not be. */
async function probeFfmpeg(ffmpeg: string): Promise<{ runs: boolean; srt: boolean }> {
  const { stdout } = await promisify(execFile)(ffmpeg, ["-hide_banner", "-protocols"], {
    timeout: 10_000,
  }).catch(() => ({ stdout: "" }));
  return { runs: stdout.includes("Input:"), srt: /^\s*srt\s*$/m.test(stdout) };
}

async function certificate(store: MediaStore, openssl: string, host: string) {
  if (store.tls) return store.tls;
  try {
    const tls = await selfSignedCertificate(openssl, host);
    store.setTls(tls);
    return tls;
  } catch (e) {
    console.error(
      `media: RTMPS is off, no certificate could be made with ${openssl}: ${(e as Error).message}`,
    );
    return undefined;
  }
}

/** The ports asked for; else last run's if still free; else free ones. */
async function listenWithFallback(
  rtmp: RtmpIngest,
  options: MediaOptions,
  last: { rtmp: number | undefined; rtmps: number | undefined },
  tls: { key: string; cert: string } | undefined,
) {
  const at = (rtmpPort: number, rtmpsPort: number) =>
    rtmp.listen(rtmpPort, tls && { ...tls, port: rtmpsPort });
  const asked = options.rtmpPort !== undefined || options.rtmpsPort !== undefined;
  if (asked) return at(options.rtmpPort ?? 0, options.rtmpsPort ?? 0);
  if (last.rtmp !== undefined) {
    try {
      return await at(last.rtmp, last.rtmps ?? 0);
    } catch {
      await rtmp.closeServers();
    }
  }
  return at(0, 0);
}
