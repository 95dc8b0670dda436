import { cfEnvelope } from "#contracts/cloudflare/envelope.ts";
import { type TokenCreate, tokenWithValue } from "#contracts/cloudflare/tokens.ts";
import type { RunningEmulator } from "./server.ts";
import { permissionGroups } from "./services/tokens/permissions.ts";

/** The id of the emulator's permission group `name`, e.g. "Workers Scripts Write". */
export function permissionGroupId(name: string): string {
  const group = permissionGroups.find((g) => g.name === name);
  if (!group) throw new Error(`the emulator has no permission group "${name}"`);
  return group.id;
}

/** A policy that allows `permissions` (permission group names) on one resource. */
const allow = (resource: string, permissions: readonly string[]): TokenCreate["policies"][number] => ({
  effect: "allow",
  resources: { [resource]: "*" },
  permission_groups: permissions.map((p) => ({ id: permissionGroupId(p) })),
});

/**
 * Mints an account-owned API token that holds `permissions` (permission group names) on the
 * emulator's account, through the tokens API under the admin token, which stands for the account
 * owner in Cloudflare's dashboard. Returns the token's value, which only this answer carries. The
 * call is a POST sent once: after a lost answer a token may have been minted.
 */
export const mintAccountToken = (
  emu: Pick<RunningEmulator, "apiBase" | "accountId" | "adminToken">,
  name: string,
  permissions: readonly string[],
): Promise<string> =>
  mintToken(emu, `/accounts/${emu.accountId}/tokens`, {
    name,
    policies: [allow(`com.cloudflare.api.account.${emu.accountId}`, permissions)],
  });

/**
 * Mints a token the account's owner owns (`POST /user/tokens`, as "My Profile › API Tokens" does),
 * holding `account` permissions on the emulator's account and `user` ones (e.g. "API Tokens Write",
 * to roll itself) on the user. Sent once, like the account's.
 */
export const mintUserToken = (
  emu: Pick<RunningEmulator, "apiBase" | "accountId" | "userId" | "adminToken">,
  name: string,
  permissions: { account: readonly string[]; user: readonly string[] },
): Promise<string> =>
  mintToken(emu, "/user/tokens", {
    name,
    policies: [
      allow(`com.cloudflare.api.account.${emu.accountId}`, permissions.account),
      ...(permissions.user.length > 0
        ? [allow(`com.cloudflare.api.user.${emu.userId}`, permissions.user)]
        : []),
    ],
  });

async function mintToken(
  emu: Pick<RunningEmulator, "apiBase" | "adminToken">,
  path: string,
  body: TokenCreate,
): Promise<string> {
  const res = await fetch(`${emu.apiBase}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = cfEnvelope(tokenWithValue).parse(await res.json());
  if (!answer.success) {
    throw new Error(
      `minting the token "${body.name}" failed: HTTP ${res.status} ${answer.errors.map((e) => `${e.code} ${e.message}`).join("; ")}`,
    );
  }
  return answer.result.value;
}
