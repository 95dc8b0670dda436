import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { RealtimeTurnKey } from "../providers/realtime-turn-key.ts";
import {
  type AdoptCredential,
  adoptArgs,
  createSlots,
  type SlotCredential,
  type Slotted,
  slotName,
} from "./slots.ts";

export interface TurnKeysArgs {
  accountId: string;
  /** Prefix of the keys' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
  /** Existing keys to take over, by slot (`realtime-stack:adopt.turnKeys`). */
  adopt?: Partial<Record<"a" | "b", AdoptCredential>>;
}

/** Realtime TURN keys in slots a and b; `secret` is the key's bearer secret. */
export function createTurnKeys(
  prefix: string,
  args: TurnKeysArgs,
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  return createSlots(args.rotation, (slot, generation) => {
    const key = new RealtimeTurnKey(
      slotName(prefix, "turn", slot, generation),
      {
        accountId: args.accountId,
        name: slotName(args.label, "turn", slot, generation),
        ...adoptArgs(args.adopt?.[slot]),
      },
      opts,
    );
    return { id: key.uid, secret: pulumi.secret(key.key) };
  });
}
