import * as z from "zod/mini";
import { iceServer, TURN_TTL_MAX } from "../cloudflare/realtime.ts";
import { id } from "../ids.ts";

/** Shorter TURN credentials are not worth a round trip; Cloudflare caps them at 48 h. */
export const TURN_TTL_MIN = 60;

/** `POST /api/realtime/turn`. The Worker's `CREDENTIAL_TTL_MAX` may lower the upper bound. */
export const turnRequest = z.object({
  ttl: z.exactOptional(z.int().check(z.gte(TURN_TTL_MIN), z.lte(TURN_TTL_MAX))),
  /** Counts against the per-user limit and tags the credential in Cloudflare's TURN analytics. */
  user_id: z.exactOptional(id("user_id")),
});
export type TurnRequest = z.infer<typeof turnRequest>;

export const turnData = z.object({
  /** As Cloudflare's generate-ice-servers shapes it, minus port-53 URLs that browsers time out on. */
  iceServers: z.array(iceServer).check(z.minLength(1)),
  expires_at: z.iso.datetime(),
});
export type TurnData = z.infer<typeof turnData>;

/** Display names: printable, no control characters. */
const userName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[^\p{Cc}\p{Cf}]+$/u, { message: "user_name must not contain control characters" }),
  );

/** `POST /api/realtime/sfu` */
export const sfuSessionRequest = z.object({
  room_id: id("room_id"),
  user_id: id("user_id"),
  user_name: userName,
});
export type SfuSessionRequest = z.infer<typeof sfuSessionRequest>;

export const sfuSessionData = z.object({
  session_id: z.string(),
  room_id: z.string(),
  /** Bound to tenant, room, user and session; send it as the bearer on the session proxy. */
  token: z.string(),
  /** The room socket; append `?token=<token>`. */
  ws_url: z.url(),
  app_id: z.string(),
  expires_at: z.iso.datetime(),
  /** Seconds the token lives from when it was minted (as with join, for a device whose clock is wrong). */
  expires_in: z.int().check(z.gte(1)),
});
export type SfuSessionData = z.infer<typeof sfuSessionData>;

/** Realtime session ids as the proxy accepts them in its path. */
export const sfuSessionParams = z.object({
  session_id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { message: "session_id is malformed" })),
});
