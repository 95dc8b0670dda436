import { readFileSync } from "node:fs";
import { writePrivateFile } from "#emulator/core/private-file.ts";
import type { Props } from "./provider.ts";

export interface RecordedResource {
  type: string;
  name: string;
  id: string;
  inputs: Props;
  outputs: Props;
  /** Outputs Pulumi would keep encrypted: inputs given as secrets, and the resource's additionalSecretOutputs. */
  secretOutputs?: string[];
  /** Creation order: deletions run in reverse. */
  seq: number;
}

/** The local engine's counterpart of a Pulumi state file: what exists, keyed by type and logical name. */
export interface EngineState {
  version: 1;
  stack: string;
  seq: number;
  resources: Record<string, RecordedResource>;
  /** Replaced resources whose deletion is still owed (kept across interruptions). */
  pendingDeletes: RecordedResource[];
}

export const resourceKey = (type: string, name: string) => `${type}::${name}`;

export function loadState(file: string, stack: string): EngineState {
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as EngineState;
    if (state.version === 1 && state.stack === stack) return state;
  } catch {
    // No state yet, or unreadable: start empty, as `pulumi stack init` would.
  }
  return { version: 1, stack, seq: 0, resources: {}, pendingDeletes: [] };
}

/** Holds every secret the stack created: written for the owner only, atomically. */
export function saveState(file: string, state: EngineState): void {
  writePrivateFile(file, JSON.stringify(state, null, 2));
}
