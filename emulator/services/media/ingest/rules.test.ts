import { describe, expect, it } from "vitest";
import { flvCodec, IngestRules, type MediaFrame } from "./rules.ts";

const video = (timeMs: number, keyframe = false, codec = "h264"): MediaFrame => ({
  kind: "video",
  codec,
  keyframe,
  timeMs,
});
const audio = (timeMs: number, codec = "aac"): MediaFrame => ({ kind: "audio", codec, timeMs });

/** A stream at 30 fps with a keyframe every `gopMs`, for `seconds`; the first verdict that is not ok, else the last. */
function run(gopMs: number, seconds: number, extraKeyframesAt: number[] = []) {
  const rules = new IngestRules();
  let last = rules.check(audio(0));
  const framesPerGop = Math.round((gopMs * 30) / 1000);
  for (let frame = 0; frame <= seconds * 30; frame++) {
    const ms = Math.round((frame * 1000) / 30);
    const keyframe = frame % framesPerGop === 0 || extraKeyframesAt.some((k) => Math.abs(k - ms) < 1000 / 60);
    last = rules.check(video(ms, keyframe));
    if (!last.ok) return last;
  }
  return last;
}

describe("Cloudflare's ingest rules", () => {
  it("take H.264 + AAC with a keyframe every 2 to 10 s, playable from the first keyframe", () => {
    const rules = new IngestRules();
    expect(rules.check(audio(0))).toEqual({ ok: true, playable: false });
    expect(rules.check(video(0, true))).toEqual({ ok: true, playable: true });
    expect(run(2_000, 12)).toEqual({ ok: true, playable: true });
    expect(run(10_000, 25)).toEqual({ ok: true, playable: true });
  });

  it("refuse other codecs with Cloudflare's codes", () => {
    expect(new IngestRules().check(video(0, true, "hevc"))).toMatchObject({
      ok: false,
      error: { code: "ERR_UNSUPPORTED_VIDEO_CODEC" },
    });
    expect(new IngestRules().check(audio(0, "mp3"))).toMatchObject({
      ok: false,
      error: { code: "ERR_UNSUPPORTED_AUDIO_CODEC" },
    });
  });

  it("refuse a keyframe interval over 10 s as soon as it is over, and a sustained one under 2 s", () => {
    expect(run(12_000, 20)).toMatchObject({ ok: false, error: { code: "ERR_GOP_OUT_OF_RANGE" } });
    expect(run(500, 5)).toMatchObject({ ok: false, error: { code: "ERR_GOP_OUT_OF_RANGE" } });
  });

  it("let an encoder's occasional scene-cut keyframe through", () => {
    expect(run(2_000, 12, [2_700, 7_300])).toEqual({ ok: true, playable: true });
  });

  it("name FLV's codec ids and enhanced RTMP's FourCCs", () => {
    expect(flvCodec("video", 7)).toBe("h264");
    expect(flvCodec("video", 2)).toBe("h263");
    expect(flvCodec("video", Buffer.from("hvc1").readUInt32BE())).toBe("hevc");
    expect(flvCodec("audio", 10)).toBe("aac");
    expect(flvCodec("audio", 2)).toBe("mp3");
  });
});
