import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_TYPES } from "../type-tokens.ts";
import { providerOf, unsetOutputs } from "./provider-of.ts";

export interface StreamSigningKeyArgs {
  accountId: pulumi.Input<string>;
}

/** The key material: Pulumi keeps it encrypted in the state. */
const SECRET_OUTPUTS = ["pem", "jwk"];

/**
 * A Stream signing key, managed by this project's own provider (host/signing-key.ts): created
 * with its material (shown once), read back through the list, revoked on delete.
 */
export class StreamSigningKey extends pulumi.dynamic.Resource {
  /** The key's id, which every token it signs names as `kid`. */
  declare readonly keyId: pulumi.Output<string>;
  declare readonly created: pulumi.Output<string>;
  /** Base64 of the PKCS#1 PEM (secret). */
  declare readonly pem: pulumi.Output<string>;
  /** Base64 of the private JWK, which WebCrypto signs with (secret). */
  declare readonly jwk: pulumi.Output<string>;

  constructor(name: string, args: StreamSigningKeyArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      providerOf("signingKey"),
      name,
      { ...args, ...unsetOutputs(["keyId", "created", ...SECRET_OUTPUTS]) },
      { ...opts, additionalSecretOutputs: [...SECRET_OUTPUTS, ...(opts.additionalSecretOutputs ?? [])] },
      DYNAMIC_MODULE,
      DYNAMIC_TYPES.streamSigningKey,
    );
  }
}
