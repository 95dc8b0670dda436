import { testBroadcastArgs } from "#contracts/cloudflare/broadcast.ts";
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
 * The broadcast Cloudflare asks for, at 720p. The stream key is the live input's current one (the
 * stack outputs keep the one it was created with until a refresh).
 */
export function goLive(emulator: RunningEmulator, liveInputId: string): GoLive | undefined {
  const servers = emulator.media?.rtmpServers();
  const input = emulator.stores.stream.get(liveInputId);
  if (!servers || !input) return undefined;
  const ffmpegArgs = testBroadcastArgs({
    url: `${servers.rtmps ?? servers.rtmp}${input.streamKey}`,
    format: "flv",
    size: "1280x720",
    videoBitrate: "2500k",
    audioBitrate: "128k",
  });
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
