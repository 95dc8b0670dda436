import type { RunningEmulator } from "#emulator/server.ts";

/** How to make a channel go live on the local stack, from ffmpeg or OBS. */
export interface GoLive {
  /** ffmpeg's arguments: a test picture and tone, H.264 yuv420p + AAC with a keyframe every 2 s, in real time. */
  ffmpegArgs: string[];
  /** The same, as a command to paste into a shell. */
  ffmpegCommand: string;
  obs: { server: string; tlsServer?: string; streamKey: string };
}

const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Cloudflare's ingest rules (docs/reference/media-and-providers.md §2) in ffmpeg's terms: `-pix_fmt
 * yuv420p` (else testsrc encodes as High 4:4:4, which browsers cannot decode), a fixed 2 s GOP
 * without scene-cut keyframes, AAC audio. The stream key is the live input's current one (the
 * stack outputs keep the one it was created with until a refresh).
 */
export function goLive(emulator: RunningEmulator, liveInputId: string): GoLive | undefined {
  const servers = emulator.media?.rtmpServers();
  const input = emulator.stores.stream.get(liveInputId);
  if (!servers || !input) return undefined;
  const target = `${servers.rtmps ?? servers.rtmp}${input.streamKey}`;
  const ffmpegArgs = [
    ...["-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30"],
    ...["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
    ...[
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-tune",
      "zerolatency",
      "-pix_fmt",
      "yuv420p",
      "-b:v",
      "2500k",
    ],
    ...["-g", "60", "-keyint_min", "60", "-sc_threshold", "0"],
    ...["-c:a", "aac", "-b:a", "128k", "-f", "flv", target],
  ];
  return {
    ffmpegArgs,
    ffmpegCommand: ["ffmpeg", ...ffmpegArgs].map(shellQuote).join(" "),
    obs: {
      server: servers.rtmp,
      ...(servers.rtmps ? { tlsServer: servers.rtmps } : {}),
      streamKey: input.streamKey,
    },
  };
}
