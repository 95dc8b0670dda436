import { liveInputOwners } from "./channels.ts";
import { configReport, isUsable, NEEDS } from "./config.ts";
import { holderCaller, statusHolder } from "./durable/channel-status.ts";
import type { WorkerBindings } from "./env.ts";

/**
 * The cron trigger's work: every channel's status holder reads its live input, so that holders
 * stay current without a dashboard asking (and so that webhooks are not the only source of
 * changes on accounts without notification webhooks). One read per live input per run, paid for
 * from its tenant's share: a tenant whose share is spent has its channels served stale instead.
 */
export async function refreshChannels(env: WorkerBindings): Promise<void> {
  const { values, checks } = configReport(env);
  if (!values.TENANTS || !NEEDS.stream.every((name) => isUsable(checks[name]))) return;
  await Promise.allSettled(
    [...liveInputOwners(values.TENANTS)].map(([id, owner]) =>
      statusHolder(env, id).current(id, holderCaller(env, owner)),
    ),
  );
}
