import * as z from "zod/mini";

/**
 * Every error code the Worker API answers with, and the HTTP status it comes with. Clients switch
 * on `code`; the status only says which family it belongs to.
 */
export const API_ERRORS = {
  invalid_json: 400,
  invalid_request: 400,
  /** No credential was sent. */
  unauthorized: 401,
  /** The credential is not genuine, has expired or was revoked (RFC 6750's `invalid_token`). */
  invalid_credential: 401,
  /** A genuine credential, but for another tenant, session or room. */
  forbidden: 403,
  not_found: 404,
  channel_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  /** A WebSocket route asked for without `Upgrade: websocket`. */
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  not_configured: 503,
  /** Cloudflare answered 5xx, or something the Worker could not read. */
  upstream_error: 502,
  upstream_invalid_response: 502,
  /** The Worker's own Cloudflare credentials were refused: an operator problem, not the caller's. */
  upstream_auth_failed: 502,
  /** Cloudflare refused what the caller asked for (4xx); the status is Cloudflare's. */
  upstream_rejected: 400,
  upstream_rate_limited: 429,
  upstream_timeout: 503,
  upstream_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const apiErrorCode = z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]);
