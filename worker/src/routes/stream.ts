import type { Hono } from "hono";
import { API_ROUTES } from "#contracts/api/routes.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { channelOf, statusView } from "../channels.ts";
import { NEEDS, requireConfig } from "../config.ts";
import { channelStatusCaller, channelStatusOf } from "../durable/channel-status.ts";
import { type ConnectResult, type ReadFailure, readFailureError } from "../durable/status-result.ts";
import type { AppEnv, WorkerBindings } from "../env.ts";
import { upstreamToApiError } from "../middleware/errors.ts";
import { mount } from "../mount.ts";
import type { Tenant } from "../tenants.ts";
import { UpstreamError } from "../upstream/http.ts";

/** One channel's status from its channel status object: fresh, or stale while Cloudflare cannot be read. */
async function channelStatus(
  env: WorkerBindings,
  tenant: Tenant,
  channel: string,
): Promise<ChannelStatusView> {
  const binding = channelOf(tenant, channel);
  const result = await channelStatusOf(env, binding.liveInputId).current(
    binding.liveInputId,
    channelStatusCaller(env, tenant.id),
  );
  if (!result.ok) throw readFailureError(result);
  return statusView(channel, binding, result.snapshot, result.stale);
}

/** A failed read in a sentence the caller may see: what failed, never a body or a secret. */
function failureSentence(failure: ReadFailure): string {
  const error = readFailureError(failure);
  return error instanceof UpstreamError ? upstreamToApiError(error).message : error.message;
}

/** What connect says when it did less than asked: a read that fell back to the held input, or a failed re-enabling. */
function connectNote(result: Extract<ConnectResult, { ok: true }>): string | null {
  const { degraded } = result;
  if (!degraded) return null;
  const why = failureSentence(degraded.failure);
  if (!degraded.stale) return `The live input is disabled and could not be re-enabled: ${why}`;
  const readAt = new Date(result.ingestReadAt).toISOString();
  return (
    `Cloudflare could not be read (${why}), so these are the ingest details read at ${readAt}, ` +
    `and the live input could not be re-enabled if it is disabled`
  );
}

export function streamRoutes(app: Hono<AppEnv>): void {
  mount(app, API_ROUTES.streamStatus, async (c, { query }) => {
    requireConfig(c.env, NEEDS.stream);
    const tenant = c.get("tenant");
    if (query.channel !== undefined) return channelStatus(c.env, tenant, query.channel);
    const channels = await Promise.all(
      Object.keys(tenant.channels).map((channel) => channelStatus(c.env, tenant, channel)),
    );
    return { connected: channels.some((status) => status.connected), channels };
  });

  mount(app, API_ROUTES.streamConnect, async (c, { body }) => {
    requireConfig(c.env, NEEDS.stream);
    const tenant = c.get("tenant");
    const binding = channelOf(tenant, body.channel);
    const result = await channelStatusOf(c.env, binding.liveInputId).keepReady(
      binding.liveInputId,
      channelStatusCaller(c.env, tenant.id),
    );
    if (!result.ok) throw readFailureError(result);
    const stale = result.degraded?.stale ?? false;
    return {
      reenabled: result.reenabled,
      ingest: result.ingest,
      ingest_checked_at: new Date(result.ingestReadAt).toISOString(),
      stale,
      note: connectNote(result),
      status: statusView(body.channel, binding, result.snapshot, stale),
    };
  });
}
