import { createMiddleware } from "hono/factory";
import { WEBHOOK_AUTH_HEADER } from "#contracts/api/webhook.ts";
import { timingSafeEqual } from "#contracts/derived-key.ts";
import { ApiError } from "../api-error.ts";
import { NEEDS, requireConfig } from "../config.ts";
import type { AppEnv } from "../env.ts";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Cloudflare sends the destination's secret verbatim in `cf-webhook-auth`: no HMAC, no timestamp.
 * Digests are compared, in constant time, so that neither content nor length of the secret leaks.
 * Missing or wrong: 401 either way, before the body is read.
 */
export const webhookAuth = createMiddleware<AppEnv>(async (c, next) => {
  const { WEBHOOK_SECRET } = requireConfig(c.env, NEEDS.webhook);
  const sent = c.req.header(WEBHOOK_AUTH_HEADER) ?? "";
  const [sentDigest, secretDigest] = await Promise.all([sha256Hex(sent), sha256Hex(WEBHOOK_SECRET)]);
  if (!timingSafeEqual(sentDigest, secretDigest)) {
    throw new ApiError(
      "unauthorized",
      `Send the notification destination's secret in ${WEBHOOK_AUTH_HEADER}`,
    );
  }
  await next();
});
