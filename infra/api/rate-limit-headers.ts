/**
 * What a Cloudflare API response says about the token's budget (docs/reference/cloudflare-api.md §8):
 * `Retry-After` on a 429 (seconds, or an HTTP date), the `Ratelimit: "default";r=<remaining>;t=<secs
 * to reset>` and `Ratelimit-Policy: "default";q=<quota>;w=<window secs>` pair every response has
 * carried since 2025-09-03, and the older `x-ratelimit-remaining` / `x-ratelimit-reset` (an RFC 1123
 * date) family, parsed too because older documentation lists it. `retry-after-ms` is what the
 * official SDK reads first (cloudflare-typescript src/client.ts `retryRequest`).
 */
export interface RateLimitSignals {
  /** How long the server asks us to wait before the next call. */
  retryAfterMs?: number;
  /** Calls left in the current window, and when it resets (ms from now). */
  remaining?: { calls: number; resetMs: number };
  /** The token's quota, as the policy header states it. */
  quota?: { requests: number; windowMs: number };
}

/** The parameters of one structured-field item, `"name";k=v;k=v` (draft-ietf-httpapi-ratelimit-headers). */
function itemParams(value: string | null): Map<string, number> | undefined {
  if (!value) return undefined;
  // Several policies may be listed; the first ("default" on Cloudflare) is the token's own.
  const first = value.split(",")[0]!;
  const params = new Map<string, number>();
  for (const part of first.split(";").slice(1)) {
    const [key, raw] = part.split("=").map((s) => s.trim());
    const n = Number(raw);
    if (key && raw !== undefined && Number.isFinite(n) && n >= 0) params.set(key, n);
  }
  return params;
}

/** Seconds, or an HTTP date (RFC 9110 §10.2.3); a past date or garbage reads as nothing. */
function retryAfter(headers: Headers, nowMs: number): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function remaining(headers: Headers, nowMs: number): RateLimitSignals["remaining"] {
  const current = itemParams(headers.get("ratelimit"));
  const r = current?.get("r");
  const t = current?.get("t");
  if (r !== undefined && t !== undefined) return { calls: r, resetMs: t * 1000 };
  const legacy = headers.get("x-ratelimit-remaining");
  const reset = Date.parse(headers.get("x-ratelimit-reset") ?? "");
  if (legacy !== null && /^\d+$/.test(legacy.trim()) && !Number.isNaN(reset)) {
    return { calls: Number(legacy), resetMs: Math.max(0, reset - nowMs) };
  }
  return undefined;
}

export function readRateLimitHeaders(headers: Headers, nowMs: number): RateLimitSignals {
  const policy = itemParams(headers.get("ratelimit-policy"));
  const q = policy?.get("q");
  const w = policy?.get("w");
  const after = retryAfter(headers, nowMs);
  const left = remaining(headers, nowMs);
  return {
    ...(after !== undefined ? { retryAfterMs: after } : {}),
    ...(left ? { remaining: left } : {}),
    ...(q && w ? { quota: { requests: q, windowMs: w * 1000 } } : {}),
  };
}
