import type { IceServer } from "#contracts/cloudflare/realtime.ts";

export interface TurnUrl {
  url: string;
  secure: boolean;
  host: string;
  port: number;
  transport: "udp" | "tcp";
}

/** RFC 7065: `turn:host[:port][?transport=udp|tcp]`, `turns:` for TLS; IPv6 hosts in brackets. */
const TURN_URI = /^(turns?):(\[[0-9a-fA-F:.]+\]|[^:?[\]]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/;

export function parseTurnUrl(url: string): TurnUrl | undefined {
  const m = TURN_URI.exec(url);
  if (!m) return undefined;
  const secure = m[1] === "turns";
  const port = m[3] ? Number(m[3]) : secure ? 5349 : 3478;
  if (port < 1 || port > 65_535) return undefined;
  return {
    url,
    secure,
    host: m[2]!.replace(/^\[|\]$/g, ""),
    port,
    transport: (m[4] as "udp" | "tcp" | undefined) ?? (secure ? "tcp" : "udp"),
  };
}

export const urlsOf = (server: IceServer): string[] =>
  typeof server.urls === "string" ? [server.urls] : server.urls;

/**
 * The URL a plain TURN client can allocate on: UDP first (what browsers prefer), then TCP. TLS
 * (`turns:`) needs a TLS stack the probe does not have.
 */
export function probeableTurnUrl(
  servers: IceServer[],
): (TurnUrl & { username: string; credential: string }) | undefined {
  const candidates = servers.flatMap((s) =>
    s.username && s.credential
      ? urlsOf(s).flatMap((u) => {
          const parsed = parseTurnUrl(u);
          return parsed && !parsed.secure
            ? [{ ...parsed, username: s.username!, credential: s.credential! }]
            : [];
        })
      : [],
  );
  return candidates.find((c) => c.transport === "udp") ?? candidates[0];
}
