import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import * as z from "zod";
import { LIVE_INPUT_ALERT } from "../../../contracts/cloudflare/notifications.ts";
import { CloudflareRest } from "../../../scripts/lib/cloudflare-rest.ts";
import { PROJECT, readStackConfig } from "../../../scripts/local-engine/local-config.ts";
import { LocalStack } from "../../../scripts/local-engine/local-stack.ts";
import type { E2eStack } from "./context.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const STACK = "dev";

type Outputs = {
  tenants: Record<string, { apiKey: string; channels: Record<string, { liveInputId: string }> }>;
};

/**
 * Cloudflare would post live input notifications to the Worker's public URL; locally the Worker
 * listens on a loopback port, so the emulator's destination is pointed there, with the stack's secret.
 */
async function notifyWorker(stack: LocalStack, secret: string, liveInputIds: string[]): Promise<void> {
  const api = new CloudflareRest({ baseUrl: stack.emulator.apiBase, token: stack.emulator.adminToken });
  const account = `/accounts/${stack.emulator.accountId}`;
  const destination = await api.call(
    "POST",
    `${account}/alerting/v3/destinations/webhooks`,
    z.object({ id: z.string() }),
    {
      name: "e2e live input events",
      url: `${stack.worker.url}/api/stream/webhook`,
      secret,
    },
  );
  await api.call("POST", `${account}/alerting/v3/policies`, z.object({ id: z.string() }), {
    name: "e2e live input events",
    alert_type: LIVE_INPUT_ALERT,
    enabled: true,
    mechanisms: { webhooks: [{ id: destination.id }] },
    filters: { input_id: liveInputIds },
  });
}

/** One stack for every e2e file: starting it is the slow part, and the files use separate channels and rooms. */
export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), "e2e-stack-"));
  const stack = await LocalStack.start({
    root: ROOT,
    stack: STACK,
    stateDir,
    reset: true,
    turn: true,
    quietWorker: true,
  });
  try {
    const outputs = stack.outputs as Outputs;
    const webhookSecret = readStackConfig(ROOT, STACK, stateDir)[`${PROJECT}:webhookSecret`]!;
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
    await notifyWorker(stack, webhookSecret, liveInputIds);
    project.provide("stack", {
      workerUrl: stack.worker.url,
      emulatorUrl: stack.emulator.url,
      adminToken: stack.emulator.adminToken,
      webhookSecret,
      tenants,
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
