import { $, type ProcessOutput, type ProcessPromise, which } from "zx";
import { testBroadcastArgs } from "#contracts/cloudflare/broadcast.ts";

/**
 * ffmpeg and ffprobe, driven with zx's `$`: every run has a timeout (zx kills it, SIGKILL, when it
 * passes), is quiet and nothrow (a failed run is a result to explain, not an exception), and a
 * broadcast is stopped with zx's `kill`, which signals ffmpeg and whatever zx's shell started.
 */
export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
  /** Whether this ffmpeg was built with libsrt (Debian's is). */
  srt: boolean;
}

const run = (timeoutMs: number) =>
  $({ quiet: true, nothrow: true, timeout: timeoutMs, timeoutSignal: "SIGKILL" });

/** ffmpeg and ffprobe from PATH, or why they cannot be used. */
export async function findMediaTools(): Promise<MediaTools | { missing: string }> {
  const [ffmpeg, ffprobe] = await Promise.all([
    which("ffmpeg", { nothrow: true }),
    which("ffprobe", { nothrow: true }),
  ]);
  if (!ffmpeg || !ffprobe) {
    return { missing: `${ffmpeg ? "ffprobe" : "ffmpeg"} is not on PATH (apt-get install ffmpeg)` };
  }
  const protocols = await run(10_000)`${ffmpeg} -hide_banner -protocols`;
  const output = protocols.stdout.split(/^Output:$/m)[1] ?? "";
  return { ffmpeg, ffprobe, srt: /^\s*srt\s*$/m.test(output) };
}

/** The broadcast Cloudflare asks for; small, since only its arrival is being proven. */
export function broadcastArgs(url: string, format: "flv" | "mpegts"): string[] {
  return [
    ...["-hide_banner", "-loglevel", "error", "-nostdin"],
    ...testBroadcastArgs({ url, format, size: "640x360", videoBitrate: "800k", audioBitrate: "96k" }),
  ];
}

/** A test broadcast in progress. */
export interface Broadcast {
  /** Settles when ffmpeg exits, however it does. */
  readonly exited: Promise<ProcessOutput>;
  /** Whether ffmpeg is still running. */
  running(): boolean;
  /** Once ffmpeg has exited: how, and its last stderr line with the URL's credentials masked. */
  exitReason(): Promise<string>;
  /** Stops it as a broadcaster pressing stop would (SIGINT), then SIGKILL if it lingers. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Starts ffmpeg pushing to `url` until `stop()`. zx kills it once the stop's grace has passed after
 * `deadlineMs`, whatever else happens: only a backstop, since a killed broadcaster never unpublishes
 * and the ingest then holds the input live for a reconnect window (node-media-server's
 * PUBLISH_GRACE_MS here), where the next probe would find it still live.
 */
export function startBroadcast(
  tools: MediaTools,
  url: string,
  format: "flv" | "mpegts",
  deadlineMs: number,
): Broadcast {
  const child: ProcessPromise = run(
    deadlineMs + STOP_GRACE_MS,
  )`${tools.ffmpeg} ${broadcastArgs(url, format)}`;
  let done = false;
  const exited = child.then((out) => {
    done = true;
    return out;
  });
  return {
    exited,
    running: () => !done,
    async exitReason() {
      const out = await exited;
      const said = credentialsIn(url).reduce(
        (line, secret) => line.split(secret).join("<redacted>"),
        lastErrorLine(out),
      );
      return `ffmpeg exited (${out.exitCode ?? out.signal}): ${said}`;
    },
    async stop() {
      if (done) return;
      await child.kill("SIGINT").catch(() => undefined);
      const grace = new Promise<"late">((resolve) => setTimeout(resolve, STOP_GRACE_MS, "late").unref());
      if ((await Promise.race([exited, grace])) === "late") {
        await child.kill("SIGKILL").catch(() => undefined);
        await exited;
      }
    },
  };
}

/**
 * What a publish URL carries that only its broadcaster may know: an RTMP(S) URL's stream key is the
 * path after its app (`/live/`), and an SRT URL's stream id and passphrase are its query's values (the shapes
 * of a live input's `rtmps` and `srt` in Cloudflare's Stream API, docs/reference/cloudflare-api.md §1.3).
 * ffmpeg names the URL in its errors, so these are masked before such a line is reported.
 */
function credentialsIn(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const values = [...parsed.searchParams.values()];
  if (parsed.protocol === "rtmp:" || parsed.protocol === "rtmps:") {
    values.push(parsed.pathname.split("/").filter(Boolean).slice(1).join("/"));
  }
  return values.filter((v) => v.length > 0);
}

/** The last line ffmpeg wrote to stderr: what it says when the server refuses or hangs up. */
export function lastErrorLine(out: ProcessOutput): string {
  const lines = out.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? `exit code ${out.exitCode ?? out.signal}`;
}

export interface PlayableStreams {
  video: string;
  audio?: string;
  /** Video frames ffprobe decoded. */
  frames: number;
}

/**
 * What a player sees: ffprobe reads the manifest and its first segment and decodes the first video
 * frames; undefined with the reason when it cannot.
 */
export async function probePlayable(
  tools: MediaTools,
  manifestUrl: string,
  timeoutMs: number,
): Promise<{ ok: true; streams: PlayableStreams } | { ok: false; reason: string }> {
  const out = await run(
    timeoutMs,
  )`${tools.ffprobe} -v error -count_frames -read_intervals %+#10 -show_entries stream=codec_type,codec_name,nb_read_frames -of json ${manifestUrl}`;
  if (out.exitCode !== 0) {
    return { ok: false, reason: out.signal ? "ffprobe did not finish in time" : lastErrorLine(out) };
  }
  const streams =
    (
      JSON.parse(out.stdout || "{}") as {
        streams?: { codec_type?: string; codec_name?: string; nb_read_frames?: string }[];
      }
    ).streams ?? [];
  const video = streams.find((s) => s.codec_type === "video");
  const audio = streams.find((s) => s.codec_type === "audio");
  const frames = Number(video?.nb_read_frames ?? 0);
  if (!video?.codec_name || frames === 0)
    return { ok: false, reason: "no decodable video frame in the first segment" };
  return {
    ok: true,
    streams: { video: video.codec_name, ...(audio?.codec_name ? { audio: audio.codec_name } : {}), frames },
  };
}
