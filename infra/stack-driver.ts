import type { CloudflareRest } from "./cloudflare-rest.ts";
import type { RotationConfig } from "./config.ts";
import type { StackOutputs } from "./stack-outputs.ts";

/** The config key that holds every credential kind's slots and generations (infra/config.ts). */
export const ROTATION_KEY = "realtime-stack:rotation";

export type ChangeOp = "create" | "update" | "replace" | "delete";

/** One resource an apply would change (or did change), named as in the program. */
export interface PlannedChange {
  op: ChangeOp;
  /** Pulumi type token, e.g. `pulumi-nodejs:dynamic/cloudflare:RealtimeTurnKey`. */
  type: string;
  /** Logical name, e.g. `realtime-turn-b-g2`. */
  name: string;
  /** Changed input properties, when the engine reports them (Pulumi does; the local engine does not). */
  diffs?: string[];
}

export interface ApplyOutcome {
  changes: PlannedChange[];
  outputs: StackOutputs;
}

/**
 * What smoke, rotate and deploy need from a stack, whoever runs it: Pulumi through its Automation
 * API (`--stack`), or the local engine against the emulator (`--local`).
 */
export interface StackDriver {
  readonly stack: string;
  /** For messages: which stack, run how. */
  readonly description: string;
  /** Where the scripts keep their own state for this stack (the rotation journal). */
  readonly stateDir: string;
  /** The last applied outputs, secrets in plain form. */
  outputs(): Promise<StackOutputs>;
  /** What `up` would change with the current program and config; changes nothing. */
  preview(): Promise<PlannedChange[]>;
  /** Applies the current program and config (`pulumi up`). */
  up(): Promise<ApplyOutcome>;
  /** `realtime-stack:rotation` as the next `up` will read it, validated. */
  rotation(): Promise<RotationConfig>;
  setRotation(rotation: RotationConfig): Promise<void>;
  /**
   * Sets a secret config value (a namespaced key, e.g. `realtime-stack:signingSecretB`) for the
   * next `up`: `pulumi config set --secret`, or the local stack's own secrets file.
   */
  setSecret(key: string, value: string): Promise<void>;
  /** A secret config value in plain form (what `setSecret` wrote, or the stack's own); undefined when unset. */
  secret(key: string): Promise<string | undefined>;
  /** The account's REST API with the deploy credentials, for what the program does not manage. */
  cloudflareApi(): Promise<{ client: CloudflareRest; accountId: string }>;
  close(): Promise<void>;
}
