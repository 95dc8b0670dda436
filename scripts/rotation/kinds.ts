import {
  CONFIG_NAMESPACE,
  type RotationConfig,
  SECRET_SLOT_KEYS,
  type Slot,
  type SlottedRotation,
} from "#infra/config.ts";
import type { PlannedChange, StackDriver } from "#infra/stack-driver.ts";
import {
  ACCOUNT_TOKEN,
  NOTIFICATION_POLICY_WEBHOOKS as NOTIFICATION_WEBHOOK,
  REALTIME_SFU_APP,
  REALTIME_TURN_KEY,
  STREAM_SIGNING_KEY,
  WORKERS_SCRIPT,
} from "#infra/type-tokens.ts";
import { type CiSecretTarget, rollDeployToken } from "./deploy-token.ts";

/**
 * Credential kinds the scheduled rotation covers, in the order it rotates them. The deploy token
 * comes last: every other kind's apply is made with it.
 */
export const ROTATION_KINDS = [
  "turn",
  "sfu",
  "api-token",
  "tenant-keys",
  "playback-keys",
  "signing-secret",
  "webhook-secret",
  "deploy-token",
] as const;
export type RotationKind = (typeof ROTATION_KINDS)[number];

/** Rotated on request only: it drops whoever is broadcasting. */
export const STREAM_KEYS = "stream-keys";

export const STEP_NAMES = [
  "regenerate",
  "switch",
  "advance",
  "roll",
  "verify",
  "revoke",
  "rollback",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/**
 * The kinds kept in two slots: where their config lives, and what holds a slot. Cloudflare
 * credentials are resources the program creates; the Worker's own secrets are config secrets
 * (`secret`) that the rotation generates itself and writes with `pulumi config set --secret`.
 */
const SLOTTED = {
  turn: { key: "turn", resource: REALTIME_TURN_KEY, label: "TURN key" },
  sfu: { key: "sfu", resource: REALTIME_SFU_APP, label: "SFU app" },
  "api-token": {
    key: "apiToken",
    resource: ACCOUNT_TOKEN,
    label: "Worker API token",
  },
  /**
   * Stream signing keys of private channels' playback tokens. Regenerating the inactive slot
   * deletes its key, which revokes every token it signed, so run.ts does it only once the
   * longest token that key signed has expired (the journal's retirement record).
   */
  "playback-keys": { key: "playbackKeys", resource: STREAM_SIGNING_KEY, label: "playback key" },
  "signing-secret": { key: "signingSecret", secret: SECRET_SLOT_KEYS.signingSecret, label: "signing secret" },
  "webhook-secret": {
    key: "webhookSecret",
    secret: SECRET_SLOT_KEYS.webhookSecret,
    label: "webhook secret",
    // The notification destination takes the new secret in place when the Worker switches.
    switches: NOTIFICATION_WEBHOOK,
  },
} as const satisfies Record<
  string,
  {
    key: keyof RotationConfig;
    label: string;
    resource?: string;
    secret?: Record<Slot, string>;
    switches?: string;
  }
>;
type SlottedKind = keyof typeof SLOTTED;

/** A kind's own part of `realtime-stack:rotation`: what a rotation changes, and what a journal records. */
export type KindState = SlottedRotation | { generation: number };

const other = (slot: Slot): Slot => (slot === "a" ? "b" : "a");
const isSlotted = (kind: RotationKind): kind is SlottedKind => kind in SLOTTED;

/** Only the Worker's bindings may change when it switches credentials; new code is someone else's change. */
const workerBindingsOnly = (c: PlannedChange) =>
  c.type === WORKERS_SCRIPT && c.op === "update" && (c.diffs ?? ["bindings"]).every((d) => d === "bindings");

/**
 * One credential kind's rotation: its steps, the config each step applies, and the resource
 * changes each step may cause (anything else pending is someone else's unreviewed change).
 */
export interface KindRotation {
  kind: RotationKind;
  label: string;
  steps: StepName[];
  /**
   * The steps of an emergency rotation: the scheduled ones, then `revoke`, which replaces what the
   * Worker kept as the fallback, so that no credential from before the rotation works any more.
   */
  emergencySteps: StepName[];
  /**
   * Whether the slot switched away from must outlive the switch by the longest token it signed
   * (playback keys): regenerating it waits until then.
   */
  retiresOldSlot: boolean;
  stateOf(rotation: RotationConfig): KindState;
  withState(rotation: RotationConfig, state: KindState): RotationConfig;
  /** The kind's state once `step` has been applied, starting from `from`. */
  target(from: KindState, step: StepName): KindState;
  allows(step: StepName, change: PlannedChange): boolean;
  /** The whole rotation from `from`, e.g. "slot a (g1) → slot b (g2)". */
  describe(from: KindState): string;
  /** What one step does, e.g. "new TURN key in slot b (g1 → g2)". */
  describeStep(from: KindState, step: StepName): string;
  /**
   * The namespaced config key a step must first fill with a newly generated secret, for the kinds
   * whose slots are config secrets: the inactive slot's, at `regenerate`.
   */
  freshSecret?(from: KindState, step: StepName): string | undefined;
  /**
   * A step that is not a config change and an apply (the deploy token's roll): what it does,
   * in place of writing the target state and applying it.
   */
  perform?(step: StepName, from: KindState, driver: StackDriver, context: StepContext): Promise<string>;
  /** Why a failed verification cannot switch back, for kinds that have nothing to go back to. */
  irreversible?: string;
}

/** What a step may need besides the stack. */
export interface StepContext {
  /** CI's copy of the deploy token, replaced when the token rolls (none: the report says so). */
  ciSecret?: CiSecretTarget;
}

function slotted(kind: SlottedKind): KindRotation {
  const spec: (typeof SLOTTED)[SlottedKind] = SLOTTED[kind];
  const { key, label } = spec;
  const resource = "resource" in spec ? spec.resource : undefined;
  const secretKeys = "secret" in spec ? spec.secret : undefined;
  const switches = "switches" in spec ? spec.switches : undefined;
  const regenerated = (from: SlottedRotation): SlottedRotation => {
    const inactive = other(from.active);
    return { ...from, generations: { ...from.generations, [inactive]: from.generations[inactive] + 1 } };
  };
  /** Both slots new, the Worker on the one regenerated first. */
  const revoked = (from: SlottedRotation): SlottedRotation => ({
    active: other(from.active),
    generations: { a: from.generations.a + 1, b: from.generations.b + 1 },
  });
  return {
    kind,
    label,
    steps: ["regenerate", "switch", "verify"],
    emergencySteps: ["regenerate", "switch", "verify", "revoke"],
    retiresOldSlot: kind === "playback-keys",
    stateOf: (rotation) => structuredClone(rotation[key]),
    withState: (rotation, state) => ({ ...rotation, [key]: state as SlottedRotation }),
    ...(secretKeys
      ? {
          freshSecret: (state: KindState, step: StepName) => {
            const { active } = state as SlottedRotation;
            if (step === "regenerate") return `${CONFIG_NAMESPACE}:${secretKeys[other(active)]}`;
            if (step === "revoke") return `${CONFIG_NAMESPACE}:${secretKeys[active]}`;
            return undefined;
          },
        }
      : {}),
    target(state, step) {
      const from = state as SlottedRotation;
      switch (step) {
        case "regenerate":
        case "rollback":
          return regenerated(from);
        case "switch":
        case "verify":
          return { ...regenerated(from), active: other(from.active) };
        case "revoke":
          return revoked(from);
        default:
          throw new Error(`${kind} has no step ${step}`);
      }
    },
    allows(step, change) {
      // A config secret's new slot only reaches the Worker, which verifies with it from then on.
      if (step === "regenerate")
        return resource ? change.type === resource && change.op !== "update" : workerBindingsOnly(change);
      // The old slot's replacement is a new credential (the old one deleted) and the Worker's fallback.
      if (step === "revoke")
        return workerBindingsOnly(change) || (change.type === resource && change.op !== "update");
      if (step !== "switch" && step !== "rollback") return false;
      return workerBindingsOnly(change) || (change.type === switches && change.op === "update");
    },
    describe(state) {
      const from = state as SlottedRotation;
      const to = regenerated(from);
      const next = other(from.active);
      return `slot ${from.active} (g${from.generations[from.active]}) → slot ${next} (g${to.generations[next]})`;
    },
    describeStep(state, step) {
      const from = state as SlottedRotation;
      const next = other(from.active);
      const g = from.generations;
      if (step === "regenerate") return `new ${label} in slot ${next} (g${g[next]} → g${g[next] + 1})`;
      if (step === "switch")
        return `the Worker moves to slot ${next}; slot ${from.active} stays as the fallback`;
      if (step === "rollback") return `the Worker moves back to slot ${from.active} (g${g[from.active]})`;
      if (step === "revoke")
        return `slot ${from.active} (g${g[from.active]}) replaced by g${g[from.active] + 1}: the ${label} from before no longer works`;
      return `the Worker works with the ${label} of slot ${next}`;
    },
  };
}

const tenantKeys: KindRotation = {
  kind: "tenant-keys",
  label: "tenant API keys",
  steps: ["advance", "verify"],
  // The Worker accepts the current generation and the one before: a second advance puts the
  // generation from before the rotation out of that window.
  emergencySteps: ["advance", "verify", "revoke"],
  retiresOldSlot: false,
  stateOf: (rotation) => ({ ...rotation.tenantKeys }),
  withState: (rotation, state) => ({ ...rotation, tenantKeys: state as { generation: number } }),
  target(state, step) {
    const { generation } = state as { generation: number };
    if (step === "rollback") return { generation };
    if (step === "advance" || step === "verify") return { generation: generation + 1 };
    if (step === "revoke") return { generation: generation + 2 };
    throw new Error(`tenant-keys has no step ${step}`);
  },
  allows: (step, change) =>
    (step === "advance" || step === "revoke" || step === "rollback") && workerBindingsOnly(change),
  describe: (from) => {
    const { generation } = from as { generation: number };
    return `generation ${generation} → ${generation + 1}`;
  },
  describeStep(from, step) {
    const { generation } = from as { generation: number };
    if (step === "advance")
      return `keys of generation ${generation + 1}; generation ${generation} stays valid`;
    if (step === "rollback") return `back to generation ${generation}`;
    if (step === "revoke")
      return `keys of generation ${generation + 2}; generation ${generation} no longer works`;
    return `every tenant's key of generation ${generation + 1} works`;
  },
};

/**
 * The deploy token, rolled in place: Cloudflare's roll invalidates the old value at once, so there
 * is no slot to switch and nothing to switch back to, and an emergency needs no further step.
 */
const deployToken: KindRotation = {
  kind: "deploy-token",
  label: "deploy token",
  steps: ["roll", "verify"],
  emergencySteps: ["roll", "verify"],
  retiresOldSlot: false,
  stateOf: (rotation) => ({ ...rotation.deployToken }),
  withState: (rotation, state) => ({ ...rotation, deployToken: state as { generation: number } }),
  target(state, step) {
    const { generation } = state as { generation: number };
    if (step === "roll" || step === "verify") return { generation: generation + 1 };
    throw new Error(`deploy-token has no step ${step}`);
  },
  allows: () => false,
  describe: (from) => {
    const { generation } = from as { generation: number };
    return `roll ${generation} → ${generation + 1}`;
  },
  describeStep(_from, step) {
    if (step === "roll") return "a new value through the Roll Token API, stored before anything uses it";
    return "the stored deploy token works";
  },
  async perform(step, from, driver, context) {
    const outcome = await rollDeployToken(driver, context.ciSecret);
    // From the state before the rotation: a roll redone after an interruption counts once.
    await driver.setRotation(this.withState(await driver.rotation(), this.target(from, step)));
    return outcome;
  },
  irreversible: "the old deploy token was invalidated by the roll, so there is nothing to switch back to",
};

export function kindRotation(kind: RotationKind): KindRotation {
  if (kind === "deploy-token") return deployToken;
  return isSlotted(kind) ? slotted(kind) : tenantKeys;
}

/** Steps that change config and apply it; `verify` only checks. */
export const APPLIES: ReadonlySet<StepName> = new Set([
  "regenerate",
  "switch",
  "advance",
  "revoke",
  "rollback",
]);
