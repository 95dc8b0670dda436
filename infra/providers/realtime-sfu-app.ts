import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_TYPES } from "../type-tokens.ts";
import { providerOf, unsetOutputs } from "./provider-of.ts";

export interface RealtimeSfuAppArgs {
  accountId: pulumi.Input<string>;
  /** Shown in the Cloudflare dashboard; renaming updates in place. */
  name: pulumi.Input<string>;
  /** Take over this existing SFU app (and its secret, which Cloudflare hands out on create only). */
  adopt?: pulumi.Input<{ uid: pulumi.Input<string>; secret: pulumi.Input<string> }>;
}

/**
 * A Realtime SFU app, managed by this project's own provider (host/calls-app.ts): renamed in
 * place, refreshed and deleted by its uid.
 */
export class RealtimeSfuApp extends pulumi.dynamic.Resource {
  declare readonly uid: pulumi.Output<string>;
  declare readonly appId: pulumi.Output<string>;
  /** The app's bearer secret for the Realtime API: a secret output. */
  declare readonly secret: pulumi.Output<string>;

  constructor(name: string, args: RealtimeSfuAppArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      providerOf("sfuApp"),
      name,
      { ...args, ...unsetOutputs(["uid", "appId", "secret", "created", "modified"]) },
      { ...opts, additionalSecretOutputs: ["secret", ...(opts.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      DYNAMIC_TYPES.realtimeSfuApp,
    );
  }
}
