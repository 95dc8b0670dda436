import * as z from "zod/mini";
import { signToken, type TokenKind, verifyToken } from "./signed-token.ts";

/** Long enough for a call's renegotiations, short enough that a leaked token soon dies. */
export const SESSION_TOKEN_TTL_SECONDS = 3600;

export const sessionClaims = z.object({
  tenant: z.string(),
  room: z.string(),
  user: z.string(),
  /** The display name, for the room socket's presence list. */
  name: z.string(),
  /** The Realtime session; empty for a peer-to-peer room member, who has none. */
  session: z.string(),
  /** Expiry, in Unix seconds. */
  exp: z.int(),
});
export type SessionClaims = z.infer<typeof sessionClaims>;

/** Session tokens, for the SFU proxy and the room socket. */
const SESSION_TOKEN: TokenKind<typeof sessionClaims> = {
  prefix: "rst1",
  domain: "session-token\u0000v1\u0000",
  claims: sessionClaims,
};

export const signSessionToken = (secret: string, claims: SessionClaims) =>
  signToken(SESSION_TOKEN, secret, claims);

/** The claims of a genuine, unexpired token; undefined for anything else. */
export const verifySessionToken = (secret: string, token: string, nowSeconds: number) =>
  verifyToken(SESSION_TOKEN, secret, token, nowSeconds);
