/**
 * Cloudflare's limits on the credentials the Worker holds once for every tenant: what each
 * tenant's share of the upstream budgets is cut from.
 */
export const UPSTREAM_LIMITS = {
  /** Per API token: 1,200 requests per 5 minutes; past it, every call is refused for 5 minutes (docs/reference/cloudflare-api.md §8). */
  cloudflareApiPer5Minutes: 1_200,
  /** TURN credential issuance "starts at 500/s and scales linearly" (docs/reference/media-and-providers.md §3, cloudflare-api.md §5.1). */
  turnCredentialsPerSecond: 500,
  /** Realtime SFU: 50 API requests per second per session (docs/reference/media-and-providers.md §3). */
  sfuCallsPerSessionPerSecond: 50,
} as const;
