import { existsSync } from "node:fs";
import type { StackDriver } from "#infra/stack-driver.ts";
import { UsageError } from "./cli.ts";
import { PulumiDriver } from "./pulumi-driver.ts";

/** The flags every script takes to name its stack. */
export const STACK_FLAGS = {
  stack: { type: "string" },
  local: { type: "boolean", default: false },
  "state-dir": { type: "string" },
} as const;

export const STACK_FLAGS_USAGE = `  --stack <name>       a Pulumi stack, through the Automation API (needs the Pulumi CLI, logged in)
  --local              the local stack: the running \`npm start\`, else one started for this run
                       (with --local, --stack names the local stack; default dev)
  --state-dir <dir>    where the scripts keep their state (default .realtime-stack/<stack>, or
                       .realtime-stack/local with --local)`;

export interface StackFlags {
  stack?: string | undefined;
  local: boolean;
  "state-dir"?: string | undefined;
}

/**
 * The driver for `--stack` or `--local`. `turn` asks for a real TURN server when the local stack
 * has to be started here (coturn, when installed), `media` for its media plane (ingest, HLS).
 */
export async function openDriver(
  flags: StackFlags,
  options: { turn?: boolean; media?: boolean; onLocalStart?: () => void } = {},
): Promise<StackDriver> {
  const stateDir = flags["state-dir"];
  if (flags.local) {
    // Loaded only for --local: a real stack's smoke, rotate and deploy never load the emulator.
    const [{ openLocalDriver }, { TURNSERVER_BINARY }] = await Promise.all([
      import("./local-driver.ts"),
      import("#local-engine/turn/coturn.ts"),
    ]);
    return openLocalDriver({
      ...(flags.stack ? { stack: flags.stack } : {}),
      ...(stateDir ? { stateDir } : {}),
      turn: Boolean(options.turn) && existsSync(TURNSERVER_BINARY),
      ...(options.media ? { media: true } : {}),
      ...(options.onLocalStart ? { onStart: options.onLocalStart } : {}),
    });
  }
  if (!flags.stack) throw new UsageError("name the stack: --stack <name>, or --local");
  return PulumiDriver.select({ stack: flags.stack, ...(stateDir ? { stateDir } : {}) });
}
