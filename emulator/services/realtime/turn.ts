import { type Context, Hono } from "hono";
import { type IceServer, turnCredentialRequest } from "#contracts/cloudflare/realtime.ts";
import type { EmulatorConfig } from "../../core/config.ts";
import type { Env } from "../../core/env.ts";
import type { CallsSecrets } from "../calls/store.ts";
import { realtimeErrors } from "./errors.ts";
import { jsonParams, requireBearer, requireSomeBearer } from "./request.ts";
import type { RealtimeStore } from "./store.ts";
import { issueTurnCredential, parseTurnUsername } from "./turn-credentials.ts";

/**
 * TURN credentials: `/v1/turn/keys/:key_id/credentials/...` with the TURN key secret as bearer
 * (docs/reference/cloudflare-api.md §5.1). The URLs point at the configured local TURN server (coturn, or the TURN gate
 * in front of it) instead of turn.cloudflare.com.
 */
export function turnRoutes(
  store: RealtimeStore,
  calls: CallsSecrets,
  turnServer: () => EmulatorConfig["turnServer"],
) {
  const routes = new Hono<Env>();

  /** The key in the path, once the bearer is its secret. */
  function authorizedKey(c: Context<Env>): string {
    requireSomeBearer(c);
    const keyId = c.req.param("key_id") ?? "";
    const secret = calls.turnKeySecret(keyId);
    if (secret === undefined) throw realtimeErrors.notFound("TURN key");
    requireBearer(c, secret);
    return keyId;
  }

  function turnUrls(): { stun: string[]; turn: string[] } {
    const { host, port } = turnServer();
    const hostPort = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    return {
      stun: [`stun:${hostPort}`],
      turn: [`turn:${hostPort}?transport=udp`, `turn:${hostPort}?transport=tcp`],
    };
  }

  async function issue(c: Context<Env>) {
    const keyId = authorizedKey(c);
    const { ttl } = await jsonParams(c, turnCredentialRequest);
    const { username, credential } = issueTurnCredential(store.turnSharedSecret, keyId, ttl);
    return { username, credential, urls: turnUrls() };
  }

  routes.post("/generate-ice-servers", async (c) => {
    const { username, credential, urls } = await issue(c);
    const iceServers: IceServer[] = [{ urls: urls.stun }, { urls: urls.turn, username, credential }];
    return c.json({ iceServers }, 201);
  });

  /** The older endpoint: one object, STUN and TURN URLs together, that callers must wrap in an array. */
  routes.post("/generate", async (c) => {
    const { username, credential, urls } = await issue(c);
    return c.json({ iceServers: { urls: [...urls.stun, ...urls.turn], username, credential } }, 201);
  });

  routes.post("/:username/revoke", (c) => {
    const keyId = authorizedKey(c);
    const username = c.req.param("username");
    // Only the key that issued a credential may revoke it.
    if (parseTurnUsername(username)?.keyId !== keyId) {
      throw realtimeErrors.notFound("a credential issued by this TURN key with that username");
    }
    store.revokeTurnUsername(username);
    return c.body(null, 204);
  });

  return routes;
}
