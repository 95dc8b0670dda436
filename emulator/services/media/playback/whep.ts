import type { Hono } from "hono";
import type { Env } from "../../../core/env.ts";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import { sdpAnswer, sdpOffer, sessionResourceRoutes, WHEP_VERSION } from "../webrtc/http.ts";
import { WhepViewer, type WhipPublisher } from "../webrtc/relay.ts";

/**
 * WHEP at each live input's `webRTCPlayback.url` (`…/<uid>/webRTC/play`), client offer mode: only a
 * WHIP broadcast plays here, as on Cloudflare, where RTMPS and SRT broadcasts play over HLS and DASH.
 */
export function whepRoutes(
  routes: Hono<Env>,
  deps: { host: string; inputs: LiveInputs; broadcasts: Broadcasts; publishers: Map<string, WhipPublisher> },
): void {
  const { inputs, broadcasts, publishers } = deps;
  const viewers = new Map<string, WhepViewer>();
  const known = (customer: string, uid: string) =>
    customer === `customer-${inputs.customerCode}` && inputs.get(uid) !== undefined;

  routes.post("/:customer/:uid/webRTC/play", async (c) => {
    const { customer, uid } = c.req.param();
    if (!known(customer, uid)) return c.text("Not Found", 404);
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
    viewers.set(viewer.id, viewer);
    viewer.pc.connectionStateChange.subscribe((state) => {
      if (state === "closed" || state === "failed") viewers.delete(viewer.id);
    });
    return sdpAnswer(c, answer, `${c.req.path}/${viewer.id}`, WHEP_VERSION);
  });

  sessionResourceRoutes(
    routes,
    "/:customer/:uid/webRTC/play/:session",
    (c) => {
      const viewer = viewers.get(c.req.param("session") ?? "");
      return viewer && known(c.req.param("customer") ?? "", c.req.param("uid") ?? "") ? viewer : undefined;
    },
    WHEP_VERSION,
  );
}
