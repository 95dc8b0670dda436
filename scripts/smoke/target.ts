import type { CloudflareRest } from "#infra/cloudflare-rest.ts";
import type { StackDriver } from "#infra/stack-driver.ts";
import type { StackOutputs } from "#infra/stack-outputs.ts";
import { CouldNotRun } from "../lib/cli.ts";

export interface TargetChannel {
  name: string;
  /** The live input the stack created for it, when the target comes from stack outputs. */
  liveInputId?: string;
  /** Whether it is private (plays through signed tokens), when the stack's outputs say. */
  signed?: boolean;
}

export interface TargetTenant {
  id: string;
  key: string;
  channels: TargetChannel[];
}

/** The stack's probe input (not a tenant channel), for the ingest probe. */
export interface ProbeInput {
  liveInputId: string;
  /** The probe key: the Worker's probe status route, nothing else. */
  key: string;
  playback: { hls: string };
  /** The stack's config asks every deploy to run the probes. */
  onDeploy: boolean;
}

/** What smoke checks: a Worker, the tenants to call it as, and what the stack says should be there. */
export interface SmokeTarget {
  workerUrl: string;
  /** Every tenant whose channels are checked; the first one also mints TURN and SFU credentials. */
  tenants: [TargetTenant, ...TargetTenant[]];
  /** `/healthz` must name this stack (known when the target comes from a stack). */
  stack?: string;
  /** `/healthz` must report this version. */
  expectVersion?: string;
  /** The SFU app the Worker must use (the active slot's). */
  expectSfuAppId?: string;
  /** The probe input, when the stack has one. */
  probe?: ProbeInput;
  /** The account's REST API, to read live inputs at the source rather than through the Worker's cache. */
  cloudflare?: { client: CloudflareRest; accountId: string };
  /** The ids of the Worker's API token in each slot (ids only: smoke never reads the Worker's secret). */
  workerApiTokens?: StackOutputs["workerApiTokens"];
}

/** The target a stack's outputs describe; `tenant` picks which tenant mints credentials. */
function targetFromOutputs(
  outputs: StackOutputs,
  options: { stack: string; tenant?: string; expectVersion?: string },
): SmokeTarget {
  const tenants = Object.entries(outputs.tenants).map(
    ([id, t]): TargetTenant => ({
      id,
      key: t.apiKey,
      channels: Object.entries(t.channels).map(([name, c]) => ({
        name,
        liveInputId: c.liveInputId,
        ...(c.signed === undefined ? {} : { signed: c.signed }),
      })),
    }),
  );
  const first = options.tenant ?? tenants[0]?.id;
  const primary = tenants.find((t) => t.id === first);
  if (!primary) {
    throw new Error(
      `the stack has no tenant "${first}" (tenants: ${tenants.map((t) => t.id).join(", ") || "none"})`,
    );
  }
  const sfu = outputs.sfuApps;
  const probe = outputs.probe;
  return {
    ...(probe
      ? {
          probe: {
            liveInputId: probe.liveInputId,
            key: probe.apiKey,
            playback: { hls: probe.playback.hls },
            onDeploy: probe.onDeploy ?? false,
          },
        }
      : {}),
    workerUrl: outputs.workerUrl,
    tenants: [primary, ...tenants.filter((t) => t !== primary)],
    stack: options.stack,
    expectSfuAppId: sfu[sfu.active].appId,
    workerApiTokens: outputs.workerApiTokens,
    ...(options.expectVersion ? { expectVersion: options.expectVersion } : {}),
  };
}

/** The target of a stack the scripts drive: its outputs, plus its account's API when credentials are at hand. */
export async function targetOfStack(
  driver: StackDriver,
  options: { tenant?: string; expectVersion?: string },
): Promise<SmokeTarget> {
  const target = targetFromOutputs(await driver.outputs(), { stack: driver.stack, ...options });
  try {
    return { ...target, cloudflare: await driver.cloudflareApi() };
  } catch (e) {
    // Without the deploy token, live inputs are read through the Worker alone.
    if (e instanceof CouldNotRun) return target;
    throw e;
  }
}
