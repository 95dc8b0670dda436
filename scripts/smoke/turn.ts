import type { ServerClient } from "#client/server.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import { parseTurnUrl, urlsOf } from "./turn-url.ts";

/** Short: the credentials are only for this check. */
const TTL_SECONDS = 600;
/** Clocks of the Worker and of this machine may differ a little. */
const CLOCK_SLACK_MS = 120_000;

export interface TurnCheckOptions {
  userId: string;
}

/** TURN credentials minted and well formed (media over the relay is `--probe-turn`'s probe). */
export function turnCheck(api: ServerClient, options: TurnCheckOptions): SmokeCheck {
  return {
    name: "turn",
    async run(signal) {
      const requestedAt = Date.now();
      const { iceServers, expires_at } = await api.turn(
        { ttl: TTL_SECONDS, user_id: options.userId },
        { signal },
      );
      const relays = iceServers.filter((s) => urlsOf(s).some((u) => /^turns?:/.test(u)));
      if (relays.length === 0) throw new CheckFailed("iceServers has no turn: or turns: URL");
      for (const relay of relays) {
        if (!relay.username || !relay.credential) {
          throw new CheckFailed(`the TURN server ${urlsOf(relay)[0]} comes without username and credential`);
        }
        const malformed = urlsOf(relay).find((u) => /^turns?:/.test(u) && !parseTurnUrl(u));
        if (malformed) throw new CheckFailed(`malformed TURN URL ${malformed}`);
      }
      const expiresIn = Date.parse(expires_at) - requestedAt;
      if (Math.abs(expiresIn - TTL_SECONDS * 1000) > CLOCK_SLACK_MS) {
        throw new CheckFailed(`asked for ${TTL_SECONDS} s, the credentials expire at ${expires_at}`);
      }
      return `${relays.flatMap(urlsOf).length} TURN URLs, expiring ${expires_at}`;
    },
  };
}
