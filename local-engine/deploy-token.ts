import { tokenVerify } from "#contracts/cloudflare/tokens.ts";
import { mintAccountToken } from "#emulator/account-token.ts";
import type { RunningEmulator } from "#emulator/server.ts";
import { CloudflareApiError, CloudflareRest } from "#infra/cloudflare-rest.ts";
import { DEPLOY_TOKEN_KEY } from "#infra/providers/host/api.ts";
import { readLocalSecret, writeLocalSecret } from "./local-config.ts";

/**
 * What the program's Cloudflare calls need (README, Configuration): Stream, Calls, Workers Scripts
 * and Notifications to manage the stack, Account API Tokens to mint the Worker's tokens and to roll
 * itself (the Roll Token API accepts "Account API Tokens Write", docs/reference/rotation-credentials.md §1).
 */
const DEPLOY_TOKEN_PERMISSIONS = [
  "Stream Write",
  "Calls Write",
  "Workers Scripts Write",
  "Notifications Write",
  "Account API Tokens Write",
] as const;

/** The local stack's deploy token, if one was minted (the secrets file, mode 0600, git-ignored). */
export const localDeployToken = (stateDir: string, stack: string): string | undefined =>
  readLocalSecret(stateDir, stack, DEPLOY_TOKEN_KEY);

/**
 * The local stack deploys with an emulated account-owned token, as a real stack deploys with one
 * made in Cloudflare's dashboard, so that rolling it (rotation, a leak) is the real thing: the old
 * value refused at once, the stack working on with the new one. The emulator's admin token stands
 * for the account owner in the dashboard: it mints the token once, and keeps the emulator's own
 * controls (faults, state), which no stack credential reaches.
 */
export async function ensureDeployToken(emulator: RunningEmulator, stateDir: string, stack: string) {
  const current = localDeployToken(stateDir, stack);
  if (current) {
    // An emulator started again on the same port may meet a kept-alive connection to the one before
    // it, closed under the client: the verify, a read, is sent again. The mint is a POST, which
    // CloudflareRest never repeats once it may have been carried out, and neither does mintAccountToken.
    const retry = { deadlineMs: 10_000, maxAttempts: 3 };
    try {
      const verified = await new CloudflareRest({ baseUrl: emulator.apiBase, token: current, retry }).call(
        "GET",
        `/accounts/${emulator.accountId}/tokens/verify`,
        tokenVerify,
      );
      if (verified.status === "active") return current;
    } catch (e) {
      // A fresh emulator state, or a token rolled by another process: mint a new one.
      if (!(e instanceof CloudflareApiError && e.status === 401)) throw e;
    }
  }
  const minted = await mintAccountToken(emulator, `${stack} deploy (local)`, DEPLOY_TOKEN_PERMISSIONS);
  writeLocalSecret(stateDir, stack, DEPLOY_TOKEN_KEY, minted);
  return minted;
}
