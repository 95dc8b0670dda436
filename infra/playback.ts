/**
 * Stream delivers a live input at `<base>/<uid>/…`, where `<base>` is the account's customer
 * host (`https://customer-<code>.cloudflarestream.com`, or the emulator's address locally). No API
 * returns it; the WHEP playback URL `<base>/<uid>/webRTC/play` is where it can be read.
 */
export function playbackBase(whepUrl: string, liveInputId: string): string {
  const url = new URL(whepUrl);
  const suffix = `/${liveInputId}/webRTC/play`;
  if (!url.pathname.endsWith(suffix)) {
    throw new Error(
      `live input ${liveInputId}: WHEP playback URL does not end in ${suffix}, so its delivery host cannot be derived`,
    );
  }
  return url.origin + url.pathname.slice(0, -suffix.length);
}

export interface PlaybackUrls {
  hls: string;
  dash: string;
  whep: string;
}

/** Viewer URLs by live input id (HLS and DASH exist only while the input records). */
export function playbackUrls(base: string, liveInputId: string): PlaybackUrls {
  return {
    hls: `${base}/${liveInputId}/manifest/video.m3u8`,
    dash: `${base}/${liveInputId}/manifest/video.mpd`,
    whep: `${base}/${liveInputId}/webRTC/play`,
  };
}
