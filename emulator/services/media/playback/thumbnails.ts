import { readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import type { Env } from "../../../core/env.ts";
import { viewerOf } from "../../../core/viewer.ts";
import type { ResolvePlayback } from "../../stream/playback-access.ts";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import type { Children } from "../children.ts";
import type { Packager } from "../packaging/packager.ts";

/**
 * Cloudflare's thumbnail options and defaults (docs/reference/cloudflare-api.md §13.1): `time` like
 * `8m` or `5m2s` (default `0s`), `height` and `width` 640, `fit` `crop`. No bounds are documented;
 * the emulator takes whole pixels up to 4096 and refuses the rest with 400, a guess.
 */
const DIMENSION = z.pipe(
  z.optional(z.string().check(z.regex(/^[1-9]\d{0,3}$/))),
  z.transform((v) => (v === undefined ? 640 : Number(v))),
);
const thumbnailQuery = z.object({
  time: z.optional(z.string().check(z.regex(/^(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s)?$/))),
  width: z.pipe(DIMENSION, z.number().check(z.lte(4096))),
  height: z.pipe(DIMENSION, z.number().check(z.lte(4096))),
  fit: z._default(z.enum(["crop", "clip", "scale", "fill"]), "crop"),
});
type Fit = "crop" | "clip" | "scale" | "fill";

/**
 * Each `fit` as ffmpeg filters (§13.1): `crop` covers the box and cuts what overflows, `clip`
 * shrinks the whole frame inside it (so one side may come out shorter), `scale` stretches to it,
 * `fill` shrinks inside it and pads with black.
 */
function filtersOf(fit: Fit, w: number, h: number): string {
  const inside = `scale=${w}:${h}:force_original_aspect_ratio=decrease`;
  if (fit === "scale") return `scale=${w}:${h},setsar=1`;
  if (fit === "clip") return `${inside},setsar=1`;
  if (fit === "fill") return `${inside},pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:black,setsar=1`;
  return `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`;
}

/** How many distinct sizes of one segment's frame are kept: a dashboard asks for one or two. */
const CACHED_SIZES = 8;

/**
 * `GET …/<uid or token>/thumbnails/thumbnail.jpg`: a JPEG of the live broadcast, passing the
 * signed-URL check like every delivery path ("If signed URLs are required, you must use a signed
 * URL", §13.1). What `time` means for a live input is undocumented: here it is checked for syntax
 * and the frame is always the newest, the last of the newest HLS segment (ours, marked so in the
 * docs). Frames are decoded from that segment by ffmpeg once per segment and size, so any number of
 * dashboards cost one decode every 2 s segment at most.
 */
export function thumbnailRoutes(
  routes: Hono<Env>,
  deps: {
    ffmpeg: string | undefined;
    children: Children;
    inputs: LiveInputs;
    broadcasts: Broadcasts;
    packager: Packager | undefined;
    resolvePlayback: ResolvePlayback;
  },
): void {
  /** Per input, the segment the cached frames come from, and each size's frame. */
  const frames = new Map<string, { segment: string; sizes: Map<string, Promise<Buffer | undefined>> }>();

  routes.get("/:customer/:uid/thumbnails/thumbnail.jpg", async (c: Context<Env>) => {
    if (c.req.param("customer") !== `customer-${deps.inputs.customerCode}`) return c.text("Not Found", 404);
    const access = deps.resolvePlayback(c.req.param("uid") ?? "", viewerOf(c));
    if (!access.ok) return c.text(access.reason, access.status);
    const query = z.safeParse(thumbnailQuery, c.req.query());
    if (!query.success) {
      const fields = [...new Set(query.error.issues.map((i) => String(i.path[0])))].join(", ");
      return c.text(`Invalid thumbnail option: ${fields}`, 400);
    }
    const uid = access.input.uid;
    const segment = deps.broadcasts.current(uid)?.connected
      ? await deps.packager?.newestSegment(uid)
      : undefined;
    if (!segment || !deps.ffmpeg) return c.text("The live input is not broadcasting", 404);
    const { width, height, fit } = query.data;
    let held = frames.get(uid);
    if (held?.segment !== segment) {
      held = { segment, sizes: new Map() };
      frames.set(uid, held);
    }
    const size = `${width}x${height}/${fit}`;
    if (!held.sizes.has(size) && held.sizes.size < CACHED_SIZES)
      held.sizes.set(size, frameOf(deps.ffmpeg, deps.children, segment, filtersOf(fit, width, height)));
    const jpeg = await (held.sizes.get(size) ??
      frameOf(deps.ffmpeg, deps.children, segment, filtersOf(fit, width, height)));
    if (!jpeg) return c.text("The live input is not broadcasting", 404);
    return c.body(new Uint8Array(jpeg), 200, { "content-type": "image/jpeg", "cache-control": "no-cache" });
  });
}

let decodes = 0;

/**
 * The segment's last frame as a JPEG, or undefined when it left the window first. ffmpeg cannot
 * seek from the end of an MPEG-TS segment (`-sseof` finds no duration), so it decodes the 2 s
 * segment and overwrites one file with each frame (`-update 1`), which leaves the last; the file
 * sits beside the segment, in the broadcast's directory, and goes once read.
 */
async function frameOf(
  ffmpeg: string,
  children: Children,
  segment: string,
  filters: string,
): Promise<Buffer | undefined> {
  const out = join(dirname(segment), `thumbnail-${++decodes}.jpg`);
  const decode = children.spawn(ffmpeg, [
    ...["-hide_banner", "-loglevel", "error", "-nostdin", "-i", segment],
    ...["-vf", filters, "-update", "1", "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", "-y", out],
  ]);
  const timer = setTimeout(() => void decode.stop(), 10_000);
  const code = await decode.exited;
  clearTimeout(timer);
  const jpeg = code === 0 ? await readFile(out).catch(() => undefined) : undefined;
  await rm(out, { force: true });
  return jpeg;
}
