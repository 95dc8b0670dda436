import type { Hono } from "hono";
import type { Env } from "../../../core/env.ts";
import { viewerOf } from "../../../core/viewer.ts";
import type { ResolvePlayback } from "../../stream/playback-access.ts";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import { sdpAnswer, sdpOffer, sessionResourceRoutes, WHEP_VERSION } from "../webrtc/http.ts";
import { WhepViewer, type WhipPublisher } from "../webrtc/relay.ts";
import type { Audience } from "./audience.ts";

/**
 * WHEP at each live input's `webRTCPlayback.url` (`…/<uid>/webRTC/play`), client offer mode: only a
 * WHIP broadcast plays here, as on Cloudflare, where RTMPS and SRT broadcasts play over HLS and DASH.
 * Signed URLs cover WHEP too since 2025-04 (docs/reference/cloudflare-api.md §11.3): the offer passes
 * the same check as a manifest, `/<token>/webRTC/play` for a private input; the session resource the
 * answer names carries the same id and needs nothing more: its random session id is the capability,
 * so a viewer can still end its session after its token expired.
 */
export function whepRoutes(
  routes: Hono<Env>,
  deps: {
    host: string;
    inputs: LiveInputs;
    broadcasts: Broadcasts;
    publishers: Map<string, WhipPublisher>;
    resolvePlayback: ResolvePlayback;
    audience: Audience;
  },
): void {
  const { inputs, broadcasts, publishers } = deps;
  /** Each session with the path id (uid or token) it was opened under. */
  const viewers = new Map<string, { viewer: WhepViewer; pathId: string }>();

  routes.post("/:customer/:uid/webRTC/play", async (c) => {
    if (c.req.param("customer") !== `customer-${inputs.customerCode}`) return c.text("Not Found", 404);
    const access = deps.resolvePlayback(c.req.param("uid"), viewerOf(c));
    if (!access.ok) return c.text(access.reason, access.status);
    const uid = access.input.uid;
    const offer = await sdpOffer(c);
    if (typeof offer !== "string") return offer;
    const broadcast = broadcasts.current(uid);
    const publisher = publishers.get(uid);
    if (!broadcast?.connected || broadcast.protocol !== "webrtc" || !publisher) {
      return c.text(
        "No WebRTC broadcast is live on this input (RTMPS and SRT broadcasts play over HLS and DASH)",
        409,
      );
    }
    let viewer: WhepViewer;
    let answer: string;
    try {
      ({ viewer, answer } = await WhepViewer.fromOffer(offer, deps.host, publisher));
    } catch (e) {
      return c.text(`The offer could not be answered: ${(e as Error).message}`, 400);
    }
    viewers.set(viewer.id, { viewer, pathId: c.req.param("uid") });
    // An open session is a viewer for `/views` until it closes or fails.
    const left = deps.audience.joined(uid, viewer.id);
    viewer.pc.connectionStateChange.subscribe((state) => {
      if (state !== "closed" && state !== "failed") return;
      viewers.delete(viewer.id);
      left();
    });
    return sdpAnswer(c, answer, `${c.req.path}/${viewer.id}`, WHEP_VERSION);
  });

  sessionResourceRoutes(
    routes,
    "/:customer/:uid/webRTC/play/:session",
    (c) => {
      const held = viewers.get(c.req.param("session") ?? "");
      const samePath =
        c.req.param("customer") === `customer-${inputs.customerCode}` && c.req.param("uid") === held?.pathId;
      return samePath ? held?.viewer : undefined;
    },
    WHEP_VERSION,
  );
}
