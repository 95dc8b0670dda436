import * as z from "zod";
import { permissionGroup, tokenVerify } from "#contracts/cloudflare/tokens.ts";
import { messageOf } from "#infra/api/error-message.ts";
import { onlyOnce } from "#infra/api/only-once.ts";
import { CloudflareApiError, type CloudflareRest } from "#infra/cloudflare-rest.ts";
import { DEPLOY_TOKEN_KEY } from "#infra/providers/host/api.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import { verifyOwnToken } from "../lib/own-token.ts";
import type { CiSecretStore } from "./ci-secrets.ts";

/** The CI secret that holds CI's copy of the deploy token, and the store it is in. */
export interface CiSecretTarget {
  store: CiSecretStore;
  name: string;
}

/** The roll's answer: the new secret, 40 to 80 characters (docs/reference/rotation-credentials.md §1.3). */
const tokenValue = z.string().min(40).max(80);

/** Writes of the rolled value to the stack's config, at most: once rolled, the old value is dead. */
const STORE_ATTEMPTS = 3;

/**
 * Stores the rolled value in the stack's config, trying again after a failure (a Pulumi backend's
 * passing 5xx), since the value exists nowhere else. When every try fails, the error says that the
 * token was rolled and what to do, and never holds the value.
 */
async function storeRolled(driver: StackDriver, client: CloudflareRest, id: string, value: string) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await driver.setSecret(DEPLOY_TOKEN_KEY, value);
      return;
    } catch (e) {
      if (attempt < STORE_ATTEMPTS) {
        await client.backoff(attempt);
        continue;
      }
      const reason = messageOf(e).replaceAll(value, "[secret]");
      throw new Error(
        `deploy token ${id} was rolled, so its old value no longer works, but storing the new value in ` +
          `${driver.description} failed ${attempt} times (last: ${reason}). Roll it again in Cloudflare's ` +
          "dashboard (My Profile or Manage Account › API Tokens › Roll), then store it with " +
          "`pulumi config set --secret cloudflare:apiToken` and in CI.",
      );
    }
  }
}

/**
 * Rolls the deploy token in place through Cloudflare's Roll Token API, which "will invalidate the
 * previous token" (docs/reference/rotation-credentials.md §1): `PUT /accounts/{account_id}/tokens/
 * {token_id}/value` for an account-owned token, `PUT /user/tokens/{token_id}/value` for a user's
 * (§1.1), authenticated with the very value it destroys. The token finds its owner and its own id
 * through its owner's verify endpoint (own-token.ts says why it asks rather than being told). The new
 * value is written to the stack's config (`pulumi config set --secret cloudflare:apiToken`) before
 * anything else runs, then to CI's secret store when one is given. The value never leaves this
 * function otherwise.
 */
export async function rollDeployToken(driver: StackDriver, ci?: CiSecretTarget): Promise<string> {
  const { client, accountId } = await driver.cloudflareApi();
  const { tokens, owner, verified } = await verifyOwnToken(client, accountId);
  const { id } = verified;
  const value = await onlyOnce(client, `the roll of deploy token ${id} (${owner}-owned)`, {
    before: async () => undefined,
    attempt: () => client.call("PUT", `${tokens}/${id}/value`, tokenValue, {}, { once: true }),
    // A lost answer: if the old value still verifies, the roll did not happen and may be tried again.
    reconcile: async () => {
      const stillValid = await client
        .call("GET", `${tokens}/verify`, tokenVerify)
        .then(() => true)
        .catch((e: unknown) => {
          if (e instanceof CloudflareApiError && e.status === 401) return false;
          throw e;
        });
      if (stillValid) return undefined;
      throw new Error("the old value is refused, so the roll happened and its new value is lost");
    },
    unresolved:
      "Roll the deploy token again in Cloudflare's dashboard (My Profile or Manage Account › API Tokens › Roll), then store it with `pulumi config set --secret cloudflare:apiToken` and in CI.",
  });
  await storeRolled(driver, client, id, value);
  const stored = ci ? await ci.store.put(ci.name, value) : undefined;
  return ci
    ? `${owner}-owned token ${id} rolled; the new value is in the stack's config and ${ci.store.description} (${ci.name}, ${stored})`
    : `${owner}-owned token ${id} rolled; the new value is in the stack's config only: CI's copy must be replaced by hand (--ci-secret does it)`;
}

/**
 * The deploy token as the stack now holds it works: it verifies as active with its owner, and reads
 * its owner's token permissions, which the next roll needs.
 */
export async function deployTokenWorks(
  { client, accountId }: { client: CloudflareRest; accountId: string },
  signal?: AbortSignal,
): Promise<string> {
  const { owner, tokens, verified } = await verifyOwnToken(client, accountId, signal);
  if (verified.status !== "active") throw new Error(`the stored deploy token is ${verified.status}`);
  await client.call(
    "GET",
    `${tokens}/permission_groups`,
    z.array(permissionGroup),
    undefined,
    signal ? { signal } : {},
  );
  return `the stored deploy token (${verified.id}, ${owner}-owned) verifies as active and reads its owner's token permissions`;
}
