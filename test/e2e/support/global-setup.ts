import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { goLive } from "#local-engine/go-live.ts";
import { PROJECT, readStackConfig } from "#local-engine/local-config.ts";
import { notifyLocalWorker } from "#local-engine/local-notifications.ts";
import { LocalStack } from "#local-engine/local-stack.ts";
import { type E2eStack, MEDIA_CHANNELS, PREVIEW_TOKEN_TTL_SECONDS } from "./context.ts";
import { serveWorkerControl, type WorkerControl } from "./worker-control.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const STACK = "dev";

type ChannelOutputs = { liveInputId: string; ingest: { rtmpsUrl: string }; streamKey: string };
type Outputs = { tenants: Record<string, { apiKey: string; channels: Record<string, ChannelOutputs> }> };

/**
 * The media channels, added to the dev config through the local config patch, as rotation changes
 * it, and playback tokens that last 60 s unless a caller asks otherwise (`worker.playbackTokenTtl`,
 * the shortest the config and the route allow), so that the dashboard's private preview renews its
 * token while a test watches. The longest a caller may ask for stays Cloudflare's 24 hours.
 */
function withMediaChannels(stateDir: string): void {
  const config = readStackConfig(ROOT, STACK, stateDir);
  const key = `${PROJECT}:tenants`;
  const tenants = JSON.parse(config[key]!) as {
    id: string;
    channels: { name: string; recording?: boolean; playback?: "signed" }[];
  }[];
  const globex = tenants.find((t) => t.id === "globex")!;
  globex.channels.push(
    { name: MEDIA_CHANNELS.rtmps, recording: true },
    { name: MEDIA_CHANNELS.whip },
    { name: MEDIA_CHANNELS.private, recording: true, playback: "signed" },
  );
  const workerKey = `${PROJECT}:worker`;
  const worker = JSON.parse(config[workerKey]!) as Record<string, unknown>;
  worker.playbackTokenTtl = { default: PREVIEW_TOKEN_TTL_SECONDS, max: 86_400 };
  writeFileSync(
    join(stateDir, `${STACK}.config.json`),
    JSON.stringify({ [key]: JSON.stringify(tenants), [workerKey]: JSON.stringify(worker) }),
  );
}

/** One stack for every e2e file: starting it is the slow part, and the files use separate channels and rooms. */
export default async function setup(project: TestProject) {
  // A fresh folder: nothing to reset, and the config patch is already in it.
  const stateDir = mkdtempSync(join(tmpdir(), "e2e-stack-"));
  withMediaChannels(stateDir);
  const stack = await LocalStack.start({
    root: ROOT,
    stack: STACK,
    stateDir,
    turn: true,
    media: true,
    quietWorker: true,
  });
  let control: WorkerControl | undefined;
  try {
    control = await serveWorkerControl(stack);
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
    const live = goLive(stack.emulator, tenants.globex!.channels[MEDIA_CHANNELS.rtmps]!);
    if (!live) throw new Error("the e2e stack runs no media plane");
    project.provide("stack", {
      workerUrl: stack.worker.url,
      emulatorUrl: stack.emulator.url,
      accountId: stack.emulator.accountId,
      adminToken: stack.emulator.adminToken,
      webhookSecret,
      tenants,
      ingest,
      workerControlUrl: control.url,
      goLiveArgs: live.ffmpegArgs,
    });
  } catch (error) {
    await control?.close();
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return async () => {
    await control?.close();
    await stack.close();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
