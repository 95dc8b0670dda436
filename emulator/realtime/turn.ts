import { type Context, Hono } from "hono";
import { type IceServer, turnCredentialRequest } from "../../contracts/cloudflare/realtime.ts";
import type { Env } from "../context.ts";
import { ownEntry } from "../routes/lookup.ts";
import type { StoredCallsApp } from "../state.ts";
import { realtimeErrors } from "./errors.ts";
import { jsonParams, requireBearer, requireSomeBearer } from "./request.ts";
import { issueTurnCredential, parseTurnUsername, revokeTurnUsername } from "./turn-credentials.ts";

/**
 * TURN credentials: `/v1/turn/keys/:key_id/credentials/...` with the TURN key secret as bearer
 * (docs/reference/cloudflare-api.md §5.1). The URLs point at the configured local TURN server (coturn, or the TURN gate
 * in front of it) instead of turn.cloudflare.com.
 */
export const turnRoutes = new Hono<Env>();

function authorizedKey(c: Context<Env>): StoredCallsApp {
  requireSomeBearer(c);
  const key = ownEntry(c.get("services").state.data.turnKeys, c.req.param("key_id"));
  if (!key) throw realtimeErrors.notFound("TURN key");
  requireBearer(c, key.secret);
  return key;
}

function turnUrls(c: Context<Env>): { stun: string[]; turn: string[] } {
  const { host, port } = c.get("services").config.turnServer;
  const hostPort = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    stun: [`stun:${hostPort}`],
    turn: [`turn:${hostPort}?transport=udp`, `turn:${hostPort}?transport=tcp`],
  };
}

async function issue(c: Context<Env>) {
  const key = authorizedKey(c);
  const { ttl } = await jsonParams(c, turnCredentialRequest);
  const { username, credential } = issueTurnCredential(
    c.get("services").state.data.turnSharedSecret,
    key.uid,
    ttl,
  );
  return { username, credential, urls: turnUrls(c) };
}

turnRoutes.post("/generate-ice-servers", async (c) => {
  const { username, credential, urls } = await issue(c);
  const iceServers: IceServer[] = [{ urls: urls.stun }, { urls: urls.turn, username, credential }];
  return c.json({ iceServers }, 201);
});

/** The older endpoint: one object, STUN and TURN URLs together, that callers must wrap in an array. */
turnRoutes.post("/generate", async (c) => {
  const { username, credential, urls } = await issue(c);
  return c.json({ iceServers: { urls: [...urls.stun, ...urls.turn], username, credential } }, 201);
});

turnRoutes.post("/:username/revoke", (c) => {
  const key = authorizedKey(c);
  const username = c.req.param("username");
  // Only the key that issued a credential may revoke it.
  if (parseTurnUsername(username)?.keyId !== key.uid) {
    throw realtimeErrors.notFound("a credential issued by this TURN key with that username");
  }
  const { state } = c.get("services");
  revokeTurnUsername(state.data, username);
  state.persist();
  return c.body(null, 204);
});
