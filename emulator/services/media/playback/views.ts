import type { Hono } from "hono";
import type { Env } from "../../../core/env.ts";
import { viewerOf } from "../../../core/viewer.ts";
import type { ResolvePlayback } from "../../stream/playback-access.ts";
import type { LiveInputs } from "../broadcasts.ts";
import type { Audience } from "./audience.ts";

/**
 * `GET …/<uid or token>/views`: the live viewer count, a bare `{ "liveViewers": N }` with no
 * envelope and no credential (docs/reference/cloudflare-api.md §12.1). A private input answers
 * through a token, as its manifests do. With `recording.hideLiveViewerCount` Cloudflare
 * "restrict[s] access to the live viewer count" but documents no answer: the emulator refuses with
 * 403 and a plain-text reason, a guess.
 */
export function viewsRoutes(
  routes: Hono<Env>,
  deps: { inputs: LiveInputs; audience: Audience; resolvePlayback: ResolvePlayback },
): void {
  routes.get("/:customer/:uid/views", (c) => {
    if (c.req.param("customer") !== `customer-${deps.inputs.customerCode}`) return c.text("Not Found", 404);
    const access = deps.resolvePlayback(c.req.param("uid"), viewerOf(c));
    if (!access.ok) return c.text(access.reason, access.status);
    if (access.input.recording.hideLiveViewerCount)
      return c.text("The live viewer count of this input is hidden", 403);
    return c.json({ liveViewers: deps.audience.count(access.input.uid) }, 200, {
      "cache-control": "no-cache",
    });
  });
}
