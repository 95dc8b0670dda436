import { type EngineState, saveState } from "./state-file.ts";

/**
 * When an operation writes its state file. Pulumi writes the whole checkpoint after every step,
 * unless `PULUMI_SKIP_CHECKPOINTS` is "1" or "true", when it writes it once, as the operation ends,
 * whatever its outcome (SnapshotManager's unsafeServiceLoop in pulumi/pulumi
 * pkg/backend/snapshot.go; the variable is read by sdk/go/common/util/env/env.go's BoolValue). The
 * local engine does the same, so that a large stack costs here what it costs on Pulumi, and the
 * advice docs/scale.md gives for large stacks can be tried here.
 */
export class Checkpoints {
  private readonly everyStep: boolean;

  constructor(
    private readonly file: string,
    private readonly state: EngineState,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.everyStep = !skipsCheckpoints(env);
  }

  /** A step changed the state. */
  step(): void {
    if (this.everyStep) saveState(this.file, this.state);
  }

  /** The operation ends, succeeded or not. */
  close(): void {
    saveState(this.file, this.state);
  }
}

/** Whether `PULUMI_SKIP_CHECKPOINTS` is set, read as Pulumi reads a boolean variable: "1" or "true", in any case. */
export function skipsCheckpoints(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.PULUMI_SKIP_CHECKPOINTS ?? "";
  return value === "1" || value.toLowerCase() === "true";
}
