import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { StreamSigningKey } from "../providers/stream-signing-key.ts";
import { createSlots, type SlotCredential, type Slotted, slotName } from "./slots.ts";

/**
 * The Stream signing keys private channels' playback tokens are signed with, in slots a and b,
 * each generation a key of its own: the Worker signs with the active slot's; the other slot's key
 * keeps every token it signed playing until `npm run rotate -- --only playback-keys` retires it.
 * `secret` is the key's `jwk`, which is all the Worker needs to sign.
 */
export function createPlaybackKeys(
  prefix: string,
  args: { accountId: string; rotation: SlottedRotation },
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  return createSlots(args.rotation, (slot, generation) => {
    const key = new StreamSigningKey(
      slotName(prefix, "playback-key", slot, generation),
      { accountId: args.accountId },
      opts,
    );
    return { id: key.keyId, secret: pulumi.secret(key.jwk) };
  });
}
