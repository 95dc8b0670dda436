import type { SlottedRotation } from "#infra/config.ts";
import { kindRotation } from "#scripts/rotation/kinds.ts";
import { resourceNamed, type TestStack } from "./local-stack.ts";

/** Each slotted Cloudflare credential: its resources' name prefix, and the outputs with its id and secret. */
export const RESOURCE = {
  turn: { prefix: "realtime-turn", secret: "key", id: "keyId" },
  sfu: { prefix: "realtime-sfu", secret: "secret", id: "appId" },
  "api-token": { prefix: "realtime-api-token", secret: "value", id: "id" },
  "playback-keys": { prefix: "realtime-playback-key", secret: "jwk", id: "keyId" },
} as const;
export type SlottedKind = keyof typeof RESOURCE;

export interface Credential {
  id: string;
  secret: string;
}

/** The credential a slot's generation holds (from the engine's state, as Pulumi's would hold it). */
export function slotCredential(
  stack: TestStack,
  kind: SlottedKind,
  slot: "a" | "b",
  generation: number,
): Credential {
  const outputs = resourceNamed(stack.local, `${RESOURCE[kind].prefix}-${slot}-g${generation}`).outputs;
  return { id: String(outputs[RESOURCE[kind].id]), secret: String(outputs[RESOURCE[kind].secret]) };
}

/** The credential the active slot holds now. */
export async function activeCredential(stack: TestStack, kind: SlottedKind): Promise<Credential> {
  const state = kindRotation(kind).stateOf(await stack.driver.rotation()) as SlottedRotation;
  return slotCredential(stack, kind, state.active, state.generations[state.active]);
}

/**
 * What the source (the emulator standing in for Cloudflare) answers a call made with a credential:
 * minting TURN credentials, opening an SFU session, verifying an API token.
 */
export async function credentialStatus(
  stack: TestStack,
  kind: "turn" | "sfu" | "api-token",
  credential: Credential,
): Promise<number> {
  const { emulator } = stack.local;
  const auth = { authorization: `Bearer ${credential.secret}`, "content-type": "application/json" };
  const res =
    kind === "turn"
      ? await fetch(`${emulator.realtimeBase}/turn/keys/${credential.id}/credentials/generate-ice-servers`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ ttl: 60 }),
        })
      : kind === "sfu"
        ? await fetch(`${emulator.realtimeBase}/apps/${credential.id}/sessions/new`, {
            method: "POST",
            headers: auth,
          })
        : await fetch(`${emulator.apiBase}/accounts/${emulator.accountId}/tokens/verify`, { headers: auth });
  await res.arrayBuffer();
  return res.status;
}

/** Whether a credential still works at the source. */
export async function credentialWorks(
  stack: TestStack,
  kind: "turn" | "sfu" | "api-token",
  credential: Credential,
): Promise<boolean> {
  const status = await credentialStatus(stack, kind, credential);
  return status >= 200 && status < 300;
}
