import type { Context, Hono } from "hono";
import type { RTCPeerConnection } from "werift";
import type { Env } from "../../../core/env.ts";
import { applySdpFragment, looksLikeSdp } from "./peer.ts";

/** The drafts Cloudflare names in its `protocol-version` header (Cloudflare docs: stream/webrtc-beta). */
export const WHIP_VERSION = "draft-ietf-wish-whip-06";
export const WHEP_VERSION = "draft-murillo-whep-01";

const MAX_SDP = 64 * 1024;

/** The SDP offer of a WHIP or WHEP POST, or the response refusing it. */
export async function sdpOffer(c: Context<Env>): Promise<string | Response> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/sdp")) {
    return c.text("Content-Type must be application/sdp", 415);
  }
  const offer = await c.req.text();
  if (offer.length > MAX_SDP || !looksLikeSdp(offer)) return c.text("The body is not an SDP offer", 400);
  return offer;
}

/** 201 with the answer and the session's resource URL, which the client PATCHes (trickle ICE) and DELETEs. */
export function sdpAnswer(c: Context<Env>, answer: string, location: string, version: string): Response {
  return c.body(answer, 201, {
    "content-type": "application/sdp",
    location,
    "protocol-version": version,
  });
}

export interface SessionResource {
  pc: RTCPeerConnection;
  close(): Promise<void>;
}

/**
 * A WHIP or WHEP session's resource: PATCH with `application/trickle-ice-sdpfrag` adds the client's
 * candidates (204), DELETE ends the session (200), as the drafts and Cloudflare's examples have it.
 */
export function sessionResourceRoutes(
  routes: Hono<Env>,
  path: string,
  lookup: (c: Context<Env>) => SessionResource | undefined,
  version: string,
): void {
  routes.patch(path, async (c) => {
    const session = lookup(c);
    if (!session) return c.text("Not Found", 404);
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/trickle-ice-sdpfrag")) {
      return c.text("Content-Type must be application/trickle-ice-sdpfrag", 415);
    }
    const fragment = await c.req.text();
    if (fragment.length > MAX_SDP) return c.text("The fragment is too large", 413);
    const applied = await applySdpFragment(session.pc, fragment).catch(() => undefined);
    if (applied === undefined) return c.text("The fragment is not valid", 400);
    // An ICE restart (new credentials) would need a new answer: not supported locally.
    if (!applied) return c.text("ICE restarts are not supported", 501);
    return c.body(null, 204, { "protocol-version": version });
  });
  routes.delete(path, async (c) => {
    const session = lookup(c);
    if (!session) return c.text("Not Found", 404);
    await session.close();
    return c.body(null, 200, { "protocol-version": version });
  });
}
