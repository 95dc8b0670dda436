import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { SlottedRotation } from "../config.ts";
import { createSlots, type SlotCredential, type Slotted, slotName } from "./slots.ts";

export interface SfuAppsArgs {
  accountId: string;
  /** Prefix of the apps' names in the Cloudflare dashboard. */
  label: string;
  rotation: SlottedRotation;
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
    const name = slotName(prefix, "sfu", slot, generation);
    const app = new cloudflare.CallsSfuApp(
      name,
      { accountId: args.accountId, name: slotName(args.label, "sfu", slot, generation) },
      opts,
    );
    return { id: app.uid, secret: pulumi.secret(app.secret) };
  });
}
