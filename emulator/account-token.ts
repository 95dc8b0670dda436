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

/**
 * Mints an account-owned API token that holds `permissions` (permission group names) on the
 * emulator's account, through the tokens API under the admin token, which stands for the account
 * owner in Cloudflare's dashboard. Returns the token's value, which only this answer carries. The
 * call is a POST sent once: after a lost answer a token may have been minted.
 */
export async function mintAccountToken(
  emu: Pick<RunningEmulator, "apiBase" | "accountId" | "adminToken">,
  name: string,
  permissions: readonly string[],
): Promise<string> {
  const body: TokenCreate = {
    name,
    policies: [
      {
        effect: "allow",
        resources: { [`com.cloudflare.api.account.${emu.accountId}`]: "*" },
        permission_groups: permissions.map((p) => ({ id: permissionGroupId(p) })),
      },
    ],
  };
  const res = await fetch(`${emu.apiBase}/accounts/${emu.accountId}/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = cfEnvelope(tokenWithValue).parse(await res.json());
  if (!answer.success) {
    throw new Error(
      `minting the token "${name}" failed: HTTP ${res.status} ${answer.errors.map((e) => `${e.code} ${e.message}`).join("; ")}`,
    );
  }
  return answer.result.value;
}
