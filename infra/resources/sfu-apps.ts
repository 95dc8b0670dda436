import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { RealtimeSfuApp } from "../providers/realtime-sfu-app.ts";
import {
  type AdoptCredential,
  adoptArgs,
  createSlots,
  type SlotCredential,
  type Slotted,
  slotName,
} from "./slots.ts";

export interface SfuAppsArgs {
  accountId: string;
  /** Prefix of the apps' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
  /** Existing apps to take over, by slot (`realtime-stack:adopt.sfuApps`). */
  adopt?: Partial<Record<"a" | "b", AdoptCredential>>;
}

/**
 * Realtime SFU apps in slots a and b. Cloudflare cannot rotate an app's secret, so rotating means
 * a new app: sessions belong to the app they were created on and end with it.
 */
export function createSfuApps(
  prefix: string,
  args: SfuAppsArgs,
  opts: pulumi.CustomResourceOptions,
): Slotted<SlotCredential> {
  return createSlots(args.rotation, (slot, generation) => {
    const app = new RealtimeSfuApp(
      slotName(prefix, "sfu", slot, generation),
      {
        accountId: args.accountId,
        name: slotName(args.label, "sfu", slot, generation),
        ...adoptArgs(args.adopt?.[slot]),
      },
      opts,
    );
    return { id: app.uid, secret: pulumi.secret(app.secret) };
  });
}
