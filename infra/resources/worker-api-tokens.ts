import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { createSlots, type SlotCredential, type Slotted, slotName } from "./slots.ts";

/** All the Worker calls with this token: read live inputs, and re-enable one (docs/spec.md §5). */
const WORKER_TOKEN_PERMISSIONS = ["Stream Read", "Stream Write"] as const;
const ACCOUNT_SCOPE = "com.cloudflare.api.account";

export interface WorkerApiTokensArgs {
  accountId: string;
  /** Prefix of the tokens' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
}

/**
 * Permission groups are looked up by name: their ids are Cloudflare's to assign, and a renamed
 * group should fail the deploy loudly rather than mint a token with the wrong rights.
 */
function permissionGroupIds(
  accountId: string,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<{ id: string }[]> {
  return cloudflare
    .getAccountApiTokenPermissionGroupsListOutput({ accountId }, opts)
    .results.apply((groups) =>
      WORKER_TOKEN_PERMISSIONS.map((name) => {
        const group = groups.find((g) => g.name === name && g.scopes.includes(ACCOUNT_SCOPE));
        if (!group) {
          throw new Error(
            `no account-scoped API token permission group named "${name}" on account ${accountId}; the Worker's token needs ${WORKER_TOKEN_PERMISSIONS.join(" and ")}`,
          );
        }
        return { id: group.id };
      }),
    );
}

/** The Worker's own Cloudflare API tokens, slots a and b: Stream on this account and nothing else. */
export function createWorkerApiTokens(
  prefix: string,
  args: WorkerApiTokensArgs,
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  const permissionGroups = permissionGroupIds(args.accountId, opts.parent ? { parent: opts.parent } : {});
  const policies = [
    {
      effect: "allow",
      permissionGroups,
      resources: JSON.stringify({ [`${ACCOUNT_SCOPE}.${args.accountId}`]: "*" }),
    },
  ];
  return createSlots(args.rotation, (slot, generation) => {
    const token = new cloudflare.AccountToken(
      slotName(prefix, "api-token", slot, generation),
      { accountId: args.accountId, name: slotName(args.label, "stream", slot, generation), policies },
      opts,
    );
    return { id: token.id, secret: pulumi.secret(token.value) };
  });
}
