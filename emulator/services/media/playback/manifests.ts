import { extname } from "node:path";
import type { Context, Hono } from "hono";
import type { Env } from "../../../core/env.ts";
import { viewerOf } from "../../../core/viewer.ts";
import type { ResolvePlayback } from "../../stream/playback-access.ts";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import { CONTENT_TYPES, MANIFESTS, type Packager } from "../packaging/packager.ts";
import type { Audience } from "./audience.ts";

/** Delivery answers a manifest with no broadcast behind it with 204 and no body (docs/reference/media-and-providers.md §2). */
const noBroadcast = (c: Context<Env>) => c.body(null, 204, { "cache-control": "no-cache" });

/**
 * HLS and DASH by input id, `…/<uid>/manifest/video.m3u8` and `…/video.mpd`, and the playlists and
 * segments they name. Only an RTMPS or SRT broadcast of an input that records (`recording.mode:
 * automatic`) has them; a WHIP broadcast plays over WHEP only, as on Cloudflare. Every request, a
 * segment's too, passes the signed-URL check, since Cloudflare evaluates access "continuously while a
 * video is being viewed" (docs/reference/cloudflare-api.md §11.2); segments are named relative to the
 * playlist, so a player that fetched `/<token>/manifest/video.m3u8` asks for them under the token.
 * Each file served counts its client as a viewer of the input (`Audience`).
 */
export function manifestRoutes(
  routes: Hono<Env>,
  deps: {
    inputs: LiveInputs;
    broadcasts: Broadcasts;
    packager: Packager | undefined;
    resolvePlayback: ResolvePlayback;
    audience: Audience;
  },
): void {
  routes.get("/:customer/:uid/manifest/:file", async (c) => {
    const { customer, file } = c.req.param();
    if (customer !== `customer-${deps.inputs.customerCode}`) return c.text("Not Found", 404);
    const access = deps.resolvePlayback(c.req.param("uid"), viewerOf(c));
    if (!access.ok) return c.text(access.reason, access.status);
    const { input } = access;
    const uid = input.uid;
    const manifest = file === MANIFESTS.hls || file === MANIFESTS.dash;
    const broadcast = deps.broadcasts.current(uid);
    const packaged =
      broadcast?.connected && broadcast.protocol !== "webrtc" && input.recording.mode === "automatic";
    const body = packaged ? await deps.packager?.read(uid, file) : undefined;
    if (!body) return manifest ? noBroadcast(c) : c.text("Not Found", 404);
    deps.audience.fetched(uid, { ip: viewerOf(c).ip, userAgent: c.req.header("user-agent") ?? "" });
    return c.body(new Uint8Array(body), 200, {
      "content-type": CONTENT_TYPES[extname(file).slice(1)] ?? "application/octet-stream",
      "cache-control": manifest || file.endsWith(".m3u8") ? "no-cache" : "max-age=60",
    });
  });
}
