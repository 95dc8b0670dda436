/** A synthetic broadcast: a test picture and a tone, pushed to `url` in `format`. */
export interface TestBroadcast {
  url: string;
  format: "flv" | "mpegts";
  /** e.g. `1280x720`. */
  size: string;
  videoBitrate: string;
  audioBitrate: string;
}

/**
 * Cloudflare's ingest rules (docs/reference/media-and-providers.md §2) in ffmpeg's terms, in real
 * time: H.264 with `-pix_fmt yuv420p` (else testsrc encodes High 4:4:4, which browsers cannot
 * decode, §4), a closed 2 s GOP at 30 fps without scene-cut keyframes, AAC audio.
 */
export function testBroadcastArgs(b: TestBroadcast): string[] {
  return [
    ...["-re", "-f", "lavfi", "-i", `testsrc2=size=${b.size}:rate=30`],
    ...["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"],
    ...["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p"],
    ...["-b:v", b.videoBitrate, "-g", "60", "-keyint_min", "60", "-sc_threshold", "0"],
    ...["-c:a", "aac", "-b:a", b.audioBitrate],
    ...["-f", b.format, b.url],
  ];
}
