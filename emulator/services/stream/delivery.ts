import { Hono } from "hono";
import type { Env } from "../../core/env.ts";
import { viewerOf } from "../../core/viewer.ts";
import type { ResolvePlayback } from "./playback-access.ts";
import type { StreamStore } from "./store.ts";

/**
 * Stream delivery, standing in for `https://customer-<code>.cloudflarestream.com`: the lifecycle
 * endpoint answers a bare object, no envelope, no auth (docs/reference/cloudflare-api.md §1.6).
 *
 * On an input that requires signed URLs, the Stream Player reaches lifecycle holding only a token,
 * so `/<token>/lifecycle` answers; whether `/<uid>/lifecycle` is refused is undocumented (§11.3),
 * and the emulator takes the stricter reading and refuses it, so that what works here works on
 * Cloudflare either way.
 */
export function deliveryRoutes(
  store: StreamStore,
  resolvePlayback: ResolvePlayback,
  liveViewers: (uid: string) => number,
) {
  const routes = new Hono<Env>();

  routes.get("/:customer/:uid/lifecycle", (c) => {
    const known = c.req.param("customer") === `customer-${store.customerCode}`;
    const access = known ? resolvePlayback(c.req.param("uid"), viewerOf(c)) : undefined;
    if (access && !access.ok && access.status === 401) return c.text(access.reason, 401);
    const input = access?.ok ? access.input : undefined;
    if (!input) return c.json({ isInput: false, videoUID: null, live: false }, 404);
    const live = input.currentVideoUid !== null;
    return c.json({ isInput: true, videoUID: input.currentVideoUid, live, status: input.state });
  });

  /**
   * The live viewer count, a bare `{ "liveViewers": N }` with no envelope and no credential
   * (docs/reference/cloudflare-api.md §12.1); a private input answers through a token, as its
   * manifests do. With `recording.hideLiveViewerCount` Cloudflare "restrict[s] access to the live
   * viewer count" but documents no answer: the emulator refuses with 403 and a reason, a guess.
   */
  routes.get("/:customer/:uid/views", (c) => {
    if (c.req.param("customer") !== `customer-${store.customerCode}`) return c.text("Not Found", 404);
    const access = resolvePlayback(c.req.param("uid"), viewerOf(c));
    if (!access.ok) return c.text(access.reason, access.status);
    if (access.input.recording.hideLiveViewerCount)
      return c.text("The live viewer count of this input is hidden", 403);
    return c.json({ liveViewers: liveViewers(access.input.uid) }, 200, { "cache-control": "no-cache" });
  });

  return routes;
}
