import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { createSlots, type SlotCredential, type Slotted, slotName } from "./slots.ts";

export interface TurnKeysArgs {
  accountId: string;
  /** Prefix of the keys' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
}

/** Realtime TURN keys in slots a and b; `secret` is the key's bearer secret. */
export function createTurnKeys(
  prefix: string,
  args: TurnKeysArgs,
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  return createSlots(args.rotation, (slot, generation) => {
    const name = slotName(prefix, "turn", slot, generation);
    const key = new cloudflare.CallsTurnApp(
      name,
      { accountId: args.accountId, name: slotName(args.label, "turn", slot, generation) },
      opts,
    );
    return { id: key.uid, secret: pulumi.secret(key.key) };
  });
}
