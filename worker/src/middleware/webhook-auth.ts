import { createMiddleware } from "hono/factory";
import { WEBHOOK_AUTH_HEADER } from "#contracts/api/headers.ts";
import { timingSafeEqual } from "#contracts/derived-key.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { WorkerBindings } from "../env.ts";
import { verifyingSecrets } from "../signing-slots.ts";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Cloudflare sends the destination's secret verbatim in `cf-webhook-auth`: no HMAC, no timestamp.
 * Digests are compared, in constant time, so that neither content nor length of the secret leaks.
 * Either webhook slot is accepted: a rotation binds the new secret here before the destination is
 * updated, since Cloudflare tests the destination with it (docs/reference/rotation-credentials.md §2).
 * Both are always compared. Missing or wrong: 401 either way, before the body is read.
 */
export const webhookAuth = createMiddleware<{ Bindings: WorkerBindings }>(async (c, next) => {
  const { WEBHOOK_SECRET, WEBHOOK_SECRET_FALLBACK } = requireConfig(c.env, NEEDS.webhook);
  const secrets = verifyingSecrets(WEBHOOK_SECRET, WEBHOOK_SECRET_FALLBACK);
  const sent = c.req.header(WEBHOOK_AUTH_HEADER) ?? "";
  const [sentDigest, ...secretDigests] = await Promise.all([sent, ...secrets].map(sha256Hex));
  const matches = secretDigests.map((digest) => timingSafeEqual(sentDigest!, digest));
  if (!matches.includes(true)) {
    throw new ApiError(
      "unauthorized",
      `Send the notification destination's secret in ${WEBHOOK_AUTH_HEADER}`,
    );
  }
  await next();
});
