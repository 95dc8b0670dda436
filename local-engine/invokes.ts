import type * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { permissionGroup } from "#contracts/cloudflare/tokens.ts";
import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import { PERMISSION_GROUPS_LIST, WORKERS_SCRIPTS_LIST } from "#infra/type-tokens.ts";
import { camelKeys, type Props } from "./provider.ts";

/** One data source of @pulumi/cloudflare, answered from the account's API as the bridged provider would. */
type Invoke = (inputs: Props, api: CloudflareRest) => Promise<Props>;

/**
 * The invokes the program makes, by Pulumi type token. Each answer carries the invoke's inputs
 * beside its `results`, as the provider's data sources return them.
 */
const INVOKES: Record<string, Invoke> = {
  async [WORKERS_SCRIPTS_LIST](inputs, api) {
    const { accountId } = inputs as { accountId: string };
    const scripts = await api.call(
      "GET",
      `/accounts/${accountId}/workers/scripts`,
      z.array(z.object({ id: z.string(), migration_tag: z.string().optional() }).loose()),
    );
    return { ...inputs, results: scripts.map((s) => ({ id: s.id, migrationTag: s.migration_tag ?? "" })) };
  },

  async [PERMISSION_GROUPS_LIST](inputs, api) {
    const { accountId, name, scope } = inputs as { accountId: string; name?: string; scope?: string };
    const query = new URLSearchParams({ ...(name ? { name } : {}), ...(scope ? { scope } : {}) });
    const groups = await api.call(
      "GET",
      `/accounts/${accountId}/tokens/permission_groups?${query}`,
      z.array(permissionGroup),
    );
    return { ...inputs, results: camelKeys(groups) };
  },
};

/** Answers an invoke of the program, or says that the local engine does not know it. */
export async function invoke(args: pulumi.runtime.MockCallArgs, api: CloudflareRest): Promise<Props> {
  const answer = INVOKES[args.token];
  if (!answer) throw new Error(`the local engine cannot invoke ${args.token}`);
  return answer(args.inputs as Props, api);
}
