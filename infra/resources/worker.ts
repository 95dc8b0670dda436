import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import type { WorkerConfig, WorkerExposure } from "../config.ts";
import { migrationsAfter } from "../worker-migrations.ts";
import {
  COMPATIBILITY_DATE,
  COMPATIBILITY_FLAGS,
  STATUS_REFRESH_CRON,
  WORKER_FIRST_PATHS,
} from "../worker-settings.ts";

export interface WorkerArgs {
  accountId: string;
  worker: WorkerConfig;
  /** The module the script is run as (`WorkerBundle.mainModule`). */
  mainModule: string;
  /** The script, tenant map included: known once the live inputs are (infra/stack.ts). */
  content: pulumi.Input<string>;
  /** The static assets served before the script (`WorkerBundle.assetsDirectory`). */
  assetsDirectory: string;
  bindings: pulumi.Input<cloudflare.types.input.WorkersScriptBinding>[];
}

export interface DeployedWorker {
  script: cloudflare.WorkersScript;
  url: string;
  /** What must exist before `url` answers: the script and whatever routes traffic to it. */
  serving: pulumi.Resource[];
}

/** Where the Worker answers, known before deploying: it is part of the configuration. */
export function workerUrl(scriptName: string, exposure: WorkerExposure): string {
  switch (exposure.kind) {
    case "workersDev":
      return `https://${scriptName}.${exposure.subdomain}.workers.dev`;
    case "route":
      return `https://${exposure.pattern.slice(0, -"/*".length)}`;
    case "customDomain":
      return `https://${exposure.hostname}`;
  }
}

/**
 * The endpoint Worker: the bundled module with its bindings, Durable Objects and static assets,
 * the status refresh cron, and exactly one way in. workers.dev is switched off explicitly otherwise, since
 * an API upload may leave it on.
 */
export function createWorker(
  prefix: string,
  args: WorkerArgs,
  opts: pulumi.CustomResourceOptions,
): DeployedWorker {
  const { accountId, worker } = args;
  // The tag the deployed script is at decides which migrations this upload carries.
  const deployed = cloudflare.getWorkersScriptsOutput(
    { accountId },
    opts.parent ? { parent: opts.parent } : {},
  );
  const migrations = deployed.apply(({ results }) =>
    migrationsAfter(results.find((s) => s.id === worker.scriptName)?.migrationTag || undefined),
  );
  const script = new cloudflare.WorkersScript(
    `${prefix}-worker`,
    {
      accountId,
      scriptName: worker.scriptName,
      mainModule: args.mainModule,
      content: args.content,
      // The provider uploads the directory through an assets upload session before the script
      // (terraform-provider-cloudflare v5.22.0 internal/services/workers_script/assets.go). A
      // request that matches no asset goes to the script, as the dashboard's page needs
      // (developers.cloudflare.com/workers/static-assets/routing/); the API's paths go to it first.
      // v5.22.0 sends `run_worker_first` as a dynamic value, so a list of rules goes up as written
      // (internal/services/workers_script/model.go).
      assets: { directory: args.assetsDirectory, config: { runWorkerFirst: WORKER_FIRST_PATHS } },
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: COMPATIBILITY_FLAGS,
      bindings: args.bindings,
      migrations,
      observability: { enabled: true },
    },
    opts,
  );
  const scriptName = script.scriptName;
  new cloudflare.WorkersCronTrigger(
    `${prefix}-worker-cron`,
    { accountId, scriptName, schedules: [{ cron: STATUS_REFRESH_CRON }] },
    opts,
  );
  const exposure = worker.exposure;
  const serving: pulumi.Resource[] = [
    script,
    new cloudflare.WorkersScriptSubdomain(
      `${prefix}-worker-subdomain`,
      { accountId, scriptName, enabled: exposure.kind === "workersDev", previewsEnabled: false },
      opts,
    ),
  ];
  if (exposure.kind === "route") {
    serving.push(
      new cloudflare.WorkersRoute(
        `${prefix}-worker-route`,
        { zoneId: exposure.zoneId, pattern: exposure.pattern, script: scriptName },
        opts,
      ),
    );
  }
  if (exposure.kind === "customDomain") {
    serving.push(
      new cloudflare.WorkersCustomDomain(
        `${prefix}-worker-domain`,
        { accountId, zoneId: exposure.zoneId, hostname: exposure.hostname, service: scriptName },
        opts,
      ),
    );
  }
  return { script, url: workerUrl(worker.scriptName, exposure), serving };
}
