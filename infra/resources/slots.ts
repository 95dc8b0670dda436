import * as pulumi from "@pulumi/pulumi";
import { SLOTS, type Slot, type SlottedRotation } from "../config.ts";

/** A rotated credential as the Worker consumes it: an id it sends, a secret it signs with. */
export interface SlotCredential {
  id: pulumi.Output<string>;
  secret: pulumi.Output<string>;
}

/** Both slots of one credential kind, and which of them the Worker uses. */
export interface Slotted<T> {
  a: T;
  b: T;
  activeSlot: Slot;
  active: T;
}

/**
 * The logical name carries the generation, so that bumping one slot's generation makes Pulumi
 * create a new resource for that slot (then delete the old one) and leaves the other untouched.
 */
export const slotName = (prefix: string, kind: string, slot: Slot, generation: number) =>
  `${prefix}-${kind}-${slot}-g${generation}`;

export function createSlots<T>(
  rotation: SlottedRotation,
  create: (slot: Slot, generation: number) => T,
): Slotted<T> {
  const [a, b] = SLOTS.map((slot) => create(slot, rotation.generations[slot])) as [T, T];
  return { a, b, activeSlot: rotation.active, active: rotation.active === "a" ? a : b };
}

/** An existing key or app to take over, with the secret Cloudflare handed out when it was created. */
export interface AdoptCredential {
  uid: string;
  secret: string;
}

/** The `adopt` input for a slot's resource; the secret stays a Pulumi secret. */
export const adoptArgs = (credential: AdoptCredential | undefined) =>
  credential ? { adopt: pulumi.secret({ uid: credential.uid, secret: credential.secret }) } : {};
