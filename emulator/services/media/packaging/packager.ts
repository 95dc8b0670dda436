import { mkdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Broadcast } from "../broadcasts.ts";
import type { Children, TrackedChild } from "../children.ts";

/** What the delivery URLs of a packaged broadcast may name under `…/<uid>/manifest/`. */
export const MANIFESTS = { hls: "video.m3u8", dash: "video.mpd" } as const;
/**
 * A live playlist is served once it lists this many segments: a player starts three target
 * durations from its end (RFC 8216 §6.3.3), and Chromium's own HLS player fails on a shorter one.
 */
const SEGMENTS_BEFORE_PLAY = 3;
const SEGMENT_FILE = /^(?:seg-\d{1,9}\.ts|init-\d\.m4s|chunk-\d-\d{5,9}\.m4s)$/;

export const CONTENT_TYPES: Record<string, string> = {
  m3u8: "application/vnd.apple.mpegurl",
  mpd: "application/dash+xml",
  ts: "video/mp2t",
  m4s: "video/iso.segment",
};

interface Packaging {
  dir: string;
  ffmpeg: TrackedChild;
  untap: () => void;
}

/**
 * HLS and DASH of a live RTMP or SRT broadcast, packaged by ffmpeg from the ingest's FLV without
 * re-encoding (`-c copy`: what the broadcaster sent is what viewers get), in 2 s segments with a
 * window of 6. Cloudflare's `video.m3u8` is a master playlist over several renditions; with the one
 * rendition there is here, it is the media playlist itself (ffmpeg cannot write a master playlist's
 * BANDWIDTH for a stream it copies without bitrate metadata). The files live in a directory per
 * broadcast that goes when the broadcast ends.
 */
export class Packager {
  private readonly packaging = new Map<string, Packaging>();
  private count = 0;

  constructor(
    private readonly ffmpeg: string,
    private readonly children: Children,
    private readonly workDir: string,
  ) {}

  start(broadcast: Broadcast): void {
    if (!broadcast.flv || this.packaging.has(broadcast.uid)) return;
    const dir = join(this.workDir, `${broadcast.uid}-${++this.count}`);
    mkdirSync(dir, { recursive: true });
    const ffmpeg = this.children.spawn(this.ffmpeg, [
      ...["-hide_banner", "-loglevel", "error", "-nostats", "-f", "flv", "-i", "pipe:0"],
      ...["-map", "0:v", "-map", "0:a?", "-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_list_size", "6"],
      ...[
        "-hls_flags",
        "delete_segments+independent_segments+temp_file",
        "-hls_segment_filename",
        join(dir, "seg-%d.ts"),
      ],
      join(dir, MANIFESTS.hls),
      ...[
        "-map",
        "0:v",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-f",
        "dash",
        "-seg_duration",
        "2",
        "-window_size",
        "6",
      ],
      ...["-extra_window_size", "3", "-use_template", "1", "-use_timeline", "1"],
      ...[
        "-init_seg_name",
        "init-$RepresentationID$.m4s",
        "-media_seg_name",
        "chunk-$RepresentationID$-$Number%05d$.m4s",
      ],
      join(dir, MANIFESTS.dash),
    ]);
    const stdin = ffmpeg.child.stdin!;
    // ffmpeg gone (it failed, or the broadcast ended first): the tags have nowhere to go.
    stdin.on("error", () => {});
    const untap = broadcast.flv((tag) => {
      if (stdin.writable) stdin.write(tag);
    });
    this.packaging.set(broadcast.uid, { dir, ffmpeg, untap });
    void ffmpeg.exited.then((code) => {
      if (code !== 0 && code !== null && this.packaging.get(broadcast.uid)?.ffmpeg === ffmpeg) {
        console.error(`media: packaging of live input ${broadcast.uid} stopped: ${ffmpeg.stderr().trim()}`);
      }
    });
  }

  /** The broadcast ended: ffmpeg finishes and its files go. */
  async stop(uid: string): Promise<void> {
    const packaging = this.packaging.get(uid);
    if (!packaging) return;
    this.packaging.delete(uid);
    packaging.untap();
    packaging.ffmpeg.child.stdin?.end();
    await Promise.race([packaging.ffmpeg.exited, new Promise((r) => setTimeout(r, 3_000))]);
    await packaging.ffmpeg.stop();
    rmSync(packaging.dir, { recursive: true, force: true });
  }

  /**
   * The file a delivery URL names, once there is one: a manifest only once it lists what to play
   * (until then the broadcast has nothing to play), a segment while it is in the window.
   */
  async read(uid: string, name: string): Promise<Buffer | undefined> {
    const packaging = this.packaging.get(uid);
    const isManifest = name === MANIFESTS.hls || name === MANIFESTS.dash;
    if (!packaging || (!isManifest && !SEGMENT_FILE.test(name))) return undefined;
    // A segment can leave the window while it is asked for; playlists are renamed into place whole.
    const body = await readFile(join(packaging.dir, name)).catch(() => undefined);
    if (
      name === MANIFESTS.hls &&
      (body?.toString("latin1").match(/^#EXTINF:/gm)?.length ?? 0) < SEGMENTS_BEFORE_PLAY
    ) {
      return undefined;
    }
    return body;
  }

  /** The newest segment the live HLS playlist lists, as a file path: where a current frame is. */
  async newestSegment(uid: string): Promise<string | undefined> {
    const packaging = this.packaging.get(uid);
    const playlist = await this.read(uid, MANIFESTS.hls);
    const segments = playlist?.toString("latin1").match(/^seg-\d{1,9}\.ts$/gm);
    const newest = segments?.at(-1);
    return packaging && newest ? join(packaging.dir, newest) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.packaging.keys()].map((uid) => this.stop(uid)));
  }
}
