/** Headers of the Worker API's wire protocol, as plain values for clients that ship no schema library. */

/** On every response; an incoming one with the shape of envelope.ts `REQUEST_ID_PATTERN` is kept. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The header Cloudflare sends the destination's secret in, verbatim (docs/reference/cloudflare-api.md §2.1). */
export const WEBHOOK_AUTH_HEADER = "cf-webhook-auth";
