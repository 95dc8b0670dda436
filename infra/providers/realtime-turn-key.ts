import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_TYPES } from "../type-tokens.ts";
import { providerOf, unsetOutputs } from "./provider-of.ts";

export interface RealtimeTurnKeyArgs {
  accountId: pulumi.Input<string>;
  /** Shown in the Cloudflare dashboard; renaming updates in place. */
  name: pulumi.Input<string>;
  /** Take over this existing TURN key (and its secret, which Cloudflare hands out on create only). */
  adopt?: pulumi.Input<{ uid: pulumi.Input<string>; secret: pulumi.Input<string> }>;
}

/**
 * A Realtime TURN key, managed by this project's own provider (host/calls-app.ts): renamed in
 * place, refreshed and deleted by its uid.
 */
export class RealtimeTurnKey extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;
  declare readonly keyId: pulumi.Output<string>;
  /** The key's bearer secret, which signs TURN credentials: a secret output. */
  declare readonly key: pulumi.Output<string>;

  constructor(name: string, args: RealtimeTurnKeyArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      providerOf("turnKey"),
      name,
      { ...args, ...unsetOutputs(["uid", "keyId", "key", "created", "modified"]) },
      { ...opts, additionalSecretOutputs: ["key", ...(opts.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      DYNAMIC_TYPES.realtimeTurnKey,
    );
  }
}
