import type { Hono } from "hono";
import type { Env } from "../../../core/env.ts";
import type { Broadcasts, LiveInputs } from "../broadcasts.ts";
import { sdpAnswer, sdpOffer, sessionResourceRoutes, WHIP_VERSION } from "../webrtc/http.ts";
import { WhipPublisher } from "../webrtc/relay.ts";

/**
 * WHIP at each live input's `webRTC.url` (`…/<secret>/webRTC/publish`; the URL is the credential).
 * The input connects at the publisher's first video packet and disconnects when it ends: DELETE,
 * a failed connection, or 10 s without media (30 s before the first, as for every ingest).
 * Publishers in progress, for WHEP viewers, by input.
 */
export function whipRoutes(
  routes: Hono<Env>,
  deps: { host: string; inputs: LiveInputs; broadcasts: Broadcasts; publishers: Map<string, WhipPublisher> },
): void {
  const { inputs, broadcasts, publishers } = deps;
  const inputOf = (customer: string, secret: string) =>
    customer === `customer-${inputs.customerCode}`
      ? inputs.list().find((i) => i.whipSecret === secret)
      : undefined;

  routes.post("/:customer/:secret/webRTC/publish", async (c) => {
    const input = inputOf(c.req.param("customer"), c.req.param("secret"));
    if (!input) return c.text("Not Found", 404);
    const offer = await sdpOffer(c);
    if (typeof offer !== "string") return offer;
    let publisher: WhipPublisher | undefined;
    const broadcast = broadcasts.admit({
      uid: input.uid,
      protocol: "webrtc",
      credential: input.whipSecret,
      drop: () => void publisher?.close(),
    });
    if ("refused" in broadcast) return c.text(`Refused: ${broadcast.refused}`, input.enabled ? 409 : 403);
    let answer: string;
    try {
      ({ publisher, answer } = await WhipPublisher.fromOffer(offer, deps.host));
    } catch (e) {
      broadcasts.ended(broadcast);
      return c.text(`The offer could not be answered: ${(e as Error).message}`, 400);
    }
    const session = publisher;
    publishers.set(input.uid, session);
    session.onMedia(() => broadcasts.connected(broadcast));
    session.onEnd(() => {
      if (publishers.get(input.uid) === session) publishers.delete(input.uid);
      broadcasts.ended(broadcast);
    });
    return sdpAnswer(c, answer, `${c.req.path}/${session.id}`, WHIP_VERSION);
  });

  sessionResourceRoutes(
    routes,
    "/:customer/:secret/webRTC/publish/:session",
    (c) => {
      const input = inputOf(c.req.param("customer") ?? "", c.req.param("secret") ?? "");
      const publisher = input && publishers.get(input.uid);
      return publisher?.id === c.req.param("session") ? publisher : undefined;
    },
    WHIP_VERSION,
  );
}
