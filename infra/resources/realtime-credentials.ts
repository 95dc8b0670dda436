import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { RealtimeSfuApp } from "../providers/realtime-sfu-app.ts";
import { RealtimeTurnKey } from "../providers/realtime-turn-key.ts";
import {
  type AdoptCredential,
  adoptArgs,
  createSlots,
  type SlotCredential,
  type Slotted,
  slotName,
} from "./slots.ts";

export interface RealtimeCredentialsArgs {
  accountId: string;
  /** Prefix of the keys' or apps' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
  /** Existing keys or apps to take over, by slot (`realtime-stack:adopt.turnKeys` / `.sfuApps`). */
  adopt?: { [S in "a" | "b"]?: (AdoptCredential & { generation: number }) | undefined };
}

type Inputs = { accountId: string; name: string; adopt?: pulumi.Input<AdoptCredential> };
type Declare = (name: string, inputs: Inputs, opts: pulumi.CustomResourceOptions) => SlotCredential;

const KINDS: Record<"turn" | "sfu", Declare> = {
  /** A TURN key: `secret` is the key's bearer secret. */
  turn: (name, inputs, opts) => {
    const key = new RealtimeTurnKey(name, inputs, opts);
    return { id: key.uid, secret: pulumi.secret(key.key) };
  },
  /**
   * An SFU app. Cloudflare cannot rotate an app's secret, so rotating means a new app: sessions
   * belong to the app they were created on and end with it.
   */
  sfu: (name, inputs, opts) => {
    const app = new RealtimeSfuApp(name, inputs, opts);
    return { id: app.uid, secret: pulumi.secret(app.secret) };
  },
};

/** Realtime TURN keys or SFU apps in slots a and b, each generation a resource of its own. */
export function createRealtimeCredentials(
  kind: keyof typeof KINDS,
  prefix: string,
  args: RealtimeCredentialsArgs,
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  return createSlots(args.rotation, (slot, generation) =>
    KINDS[kind](
      slotName(prefix, kind, slot, generation),
      {
        accountId: args.accountId,
        name: slotName(args.label, kind, slot, generation),
        // Only the generation it was adopted as takes the object over. Were a rotation's next
        // generation to adopt it too, Pulumi would then delete the old generation, and with it the
        // very key or app the new one holds.
        ...adoptArgs(args.adopt?.[slot]?.generation === generation ? args.adopt[slot] : undefined),
      },
      opts,
    ),
  );
}
