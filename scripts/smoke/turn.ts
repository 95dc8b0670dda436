import { probeTurn } from "../lib/turn-probe.ts";
import type { WorkerApi } from "../lib/worker-api.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import { parseTurnUrl, probeableTurnUrl, urlsOf } from "./turn-url.ts";

/** Short: the credentials are only for this check. */
const TTL_SECONDS = 600;
/** Clocks of the Worker and of this machine may differ a little. */
const CLOCK_SLACK_MS = 120_000;
const PROBE_TIMEOUT_MS = 5_000;

export interface TurnCheckOptions {
  /** Allocate a relay with the credentials on the TURN server they name. */
  probe: boolean;
  userId: string;
}

/** TURN credentials minted and well formed; with `probe`, proven on the TURN server itself. */
export function turnCheck(api: WorkerApi, options: TurnCheckOptions): SmokeCheck {
  return {
    name: "turn",
    async run(signal) {
      const requestedAt = Date.now();
      const { iceServers, expires_at } = await api.turn(
        { ttl: TTL_SECONDS, user_id: options.userId },
        signal,
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
      const urlCount = relays.flatMap(urlsOf).length;
      if (!options.probe) return `${urlCount} TURN URLs, expiring ${expires_at}`;

      const server = probeableTurnUrl(relays);
      if (!server) throw new CheckFailed("no turn: URL over UDP or TCP to probe (turns: is not supported)");
      const result = await probeTurn({
        host: server.host,
        port: server.port,
        transport: server.transport,
        username: server.username,
        credential: server.credential,
        timeoutMs: PROBE_TIMEOUT_MS,
        signal,
      });
      if (!result.ok) {
        throw new CheckFailed(
          `TURN allocation on ${server.url} failed (${result.reason}): ${result.message}`,
        );
      }
      const relayed = result.relayedAddress;
      return `allocated relay ${relayed.address}:${relayed.port} on ${server.url}`;
    },
  };
}
