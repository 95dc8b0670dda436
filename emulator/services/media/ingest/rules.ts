/**
 * Cloudflare's rules for RTMPS and SRT ingest (docs/reference/media-and-providers.md §2): H.264 video
 * with AAC audio, and a keyframe every 2 to 10 seconds. A stream that breaks them errors the live
 * input with the documented code (docs/reference/cloudflare-api.md §2.1).
 */
export type IngestErrorCode =
  | "ERR_UNSUPPORTED_VIDEO_CODEC"
  | "ERR_UNSUPPORTED_AUDIO_CODEC"
  | "ERR_GOP_OUT_OF_RANGE";

export interface IngestError {
  code: IngestErrorCode;
  message: string;
}

/** One media frame as the ingest sees it, whatever the protocol. */
export type MediaFrame =
  | { kind: "video"; codec: string; keyframe: boolean; timeMs: number }
  | { kind: "audio"; codec: string; timeMs: number };

export type RulesVerdict = { ok: true; playable: boolean } | { ok: false; error: IngestError };

const MIN_GOP_MS = 2_000;
const MAX_GOP_MS = 10_000;
/** Timestamps are whole milliseconds and frame rates like 29.97 do not divide evenly. */
const SLACK_MS = 50;
/**
 * Encoders add keyframes at scene cuts (x264's default, which OBS keeps), so one short interval is
 * not a misconfigured encoder; this many in a row is.
 */
const SHORT_GOPS_IN_A_ROW = 3;

/** Follows one broadcast's frames; `playable` turns true at the first H.264 keyframe. */
export class IngestRules {
  private lastKeyframeMs: number | undefined;
  private shortGops = 0;
  private audioChecked = false;

  check(frame: MediaFrame): RulesVerdict {
    if (frame.kind === "audio") {
      if (!this.audioChecked && frame.codec !== "aac") {
        return this.fail(
          "ERR_UNSUPPORTED_AUDIO_CODEC",
          `Audio codec ${frame.codec} is not supported: use AAC`,
        );
      }
      this.audioChecked = true;
      return { ok: true, playable: this.lastKeyframeMs !== undefined };
    }
    if (frame.codec !== "h264") {
      return this.fail(
        "ERR_UNSUPPORTED_VIDEO_CODEC",
        `Video codec ${frame.codec} is not supported: use H.264`,
      );
    }
    if (this.lastKeyframeMs !== undefined) {
      const since = frame.timeMs - this.lastKeyframeMs;
      if (since > MAX_GOP_MS + SLACK_MS) return this.gopError(`more than ${MAX_GOP_MS / 1000} s`);
      if (frame.keyframe) {
        this.shortGops = since < MIN_GOP_MS - SLACK_MS ? this.shortGops + 1 : 0;
        if (this.shortGops >= SHORT_GOPS_IN_A_ROW) return this.gopError(`${since} ms`);
      }
    }
    if (frame.keyframe) this.lastKeyframeMs = frame.timeMs;
    return { ok: true, playable: this.lastKeyframeMs !== undefined };
  }

  private gopError(interval: string): RulesVerdict {
    return this.fail(
      "ERR_GOP_OUT_OF_RANGE",
      `Keyframe interval out of range (${interval}): send a keyframe every 2 to 10 seconds`,
    );
  }

  private fail(code: IngestErrorCode, message: string): RulesVerdict {
    return { ok: false, error: { code, message } };
  }
}

/** FLV's SoundFormat and CodecID values (FLV spec v10.1, Annex E) and enhanced RTMP's FourCCs, by name. */
const FLV_AUDIO: Record<number, string> = {
  0: "pcm",
  1: "adpcm",
  2: "mp3",
  3: "pcm",
  6: "nellymoser",
  7: "g711a",
  8: "g711u",
  10: "aac",
  11: "speex",
  14: "mp3",
};
const FLV_VIDEO: Record<number, string> = {
  2: "h263",
  3: "screen",
  4: "vp6",
  5: "vp6a",
  6: "screen2",
  7: "h264",
  12: "hevc",
};
const fourCc = (id: number) =>
  Buffer.from([id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]).toString("latin1");

/** The codec of an FLV audio or video tag, by name (`h264`, `aac`, …). */
export function flvCodec(kind: "audio" | "video", id: number): string {
  if (kind === "audio") return FLV_AUDIO[id] ?? `flv audio ${id}`;
  if (id > 0xffff) return { hvc1: "hevc", av01: "av1", vp09: "vp9" }[fourCc(id)] ?? fourCc(id);
  return FLV_VIDEO[id] ?? `flv video ${id}`;
}
