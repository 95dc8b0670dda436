import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { goLive } from "../../../local-engine/go-live.ts";
import { PROJECT } from "../../../local-engine/local-config.ts";
import { notifyLocalWorker } from "../../../local-engine/local-notifications.ts";
import { LocalStack } from "../../../local-engine/local-stack.ts";
import type { E2eStack } from "./context.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const STACK = "dev";

type ChannelOutputs = { liveInputId: string; ingest: { rtmpsUrl: string }; streamKey: string };
type Outputs = { tenants: Record<string, { apiKey: string; channels: Record<string, ChannelOutputs> }> };

/** One stack for every e2e file: starting it is the slow part, and the files use separate channels and rooms. */
export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), "e2e-stack-"));
  const stack = await LocalStack.start({
    root: ROOT,
    stack: STACK,
    stateDir,
    reset: true,
    turn: true,
    media: true,
    quietWorker: true,
  });
  try {
    const outputs = stack.outputs as Outputs;
    const webhookSecret = stack.config()[`${PROJECT}:webhookSecret`]!;
    const tenants: E2eStack["tenants"] = {};
    for (const [id, tenant] of Object.entries(outputs.tenants)) {
      tenants[id] = {
        apiKey: tenant.apiKey,
        channels: Object.fromEntries(
          Object.entries(tenant.channels).map(([name, c]) => [name, c.liveInputId]),
        ),
      };
    }
    const liveInputIds = Object.values(tenants).flatMap((t) => Object.values(t.channels));
    await notifyLocalWorker(stack, liveInputIds);
    const channels = Object.values(outputs.tenants).flatMap((t) => Object.values(t.channels));
    const ingest = Object.fromEntries(
      channels.map((c) => [c.liveInputId, { rtmpsUrl: c.ingest.rtmpsUrl, streamKey: c.streamKey }]),
    );
    const live = goLive(stack.emulator, tenants.acme!.channels["main-stage"]!);
    if (!live) throw new Error("the e2e stack runs no media plane");
    project.provide("stack", {
      workerUrl: stack.worker.url,
      emulatorUrl: stack.emulator.url,
      adminToken: stack.emulator.adminToken,
      webhookSecret,
      tenants,
      ingest,
      goLiveArgs: live.ffmpegArgs,
    });
  } catch (error) {
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return async () => {
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
