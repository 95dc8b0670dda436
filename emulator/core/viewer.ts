import type { Context } from "hono";

/** Who asks for a delivery URL: what a signed token's access rules can match. */
export interface Viewer {
  ip: string;
  /**
   * ISO 3166-1 alpha-2, or `XX` when unknown (as in Cloudflare's `CF-IPCountry`). The emulator has
   * no GeoIP database, so every viewer's country is unknown.
   */
  country: string;
}

/** The viewer of a delivery request: the peer's address (the emulator listens on loopback, behind no proxy). */
export function viewerOf(c: Context): Viewer {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return { ip: incoming?.socket?.remoteAddress ?? "127.0.0.1", country: "XX" };
}
