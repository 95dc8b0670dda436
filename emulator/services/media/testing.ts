import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";

/** A test broadcast by ffmpeg: testsrc and a sine tone, encoded as asked, pushed in real time. */
export interface TestBroadcast {
  /** Resolves with ffmpeg's exit code once it stops (null if killed by a signal). */
  exited: Promise<number | null>;
  stderr(): string;
  /** Ends the broadcast as a broadcaster pressing stop would (SIGINT: ffmpeg closes the stream). */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

export interface BroadcastSpec {
  /** Seconds of media; the default is long enough for any test (stop it). */
  seconds?: number;
  video?: "h264" | "flv1" | "mpeg2video" | "hevc";
  audio?: "aac" | "mp3" | "none";
  /** Keyframe interval in seconds (at 30 fps). */
  gopSeconds?: number;
  format?: "flv" | "mpegts";
}

const VIDEO_CODECS = {
  h264: ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p"],
  flv1: ["-c:v", "flv"],
  mpeg2video: ["-c:v", "mpeg2video"],
  hevc: ["-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-x265-params", "log-level=error"],
};

export function ffmpegArgs(url: string, spec: BroadcastSpec = {}): string[] {
  const gop = String(Math.round((spec.gopSeconds ?? 2) * 30));
  const audio = spec.audio ?? "aac";
  return [
    ...["-hide_banner", "-loglevel", "error", "-nostdin"],
    ...["-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"],
    ...(audio === "none" ? [] : ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]),
    ...["-t", String(spec.seconds ?? 120)],
    ...VIDEO_CODECS[spec.video ?? "h264"],
    ...["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"],
    ...(audio === "none"
      ? []
      : audio === "aac"
        ? ["-c:a", "aac", "-b:a", "64k"]
        : ["-c:a", "libmp3lame", "-b:a", "64k"]),
    ...["-f", spec.format ?? "flv", url],
  ];
}

export function ffmpegBroadcast(ffmpeg: string, url: string, spec: BroadcastSpec = {}): TestBroadcast {
  const child = spawn(ffmpeg, ffmpegArgs(url, spec), { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr = (stderr + c).slice(-8192);
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The codec names ffprobe finds at `url` (an RTMP stream, an HLS or DASH manifest), sorted. */
export async function probeCodecs(ffprobe: string, url: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    ffprobe,
    ["-v", "error", "-show_streams", "-of", "json", url],
    {
      timeout: 20_000,
    },
  );
  return (JSON.parse(stdout) as { streams: { codec_name: string }[] }).streams
    .map((s) => s.codec_name)
    .sort();
}
