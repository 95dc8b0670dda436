import { ApiError, createServerClient } from "#client/server.ts";
import type { ChannelStatusView } from "#contracts/api/stream.ts";
import { isConnectedState, liveInput, liveInputState } from "#contracts/cloudflare/stream.ts";
import { CloudflareApiError } from "#infra/cloudflare-rest.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import type { SmokeTarget, TargetChannel, TargetTenant } from "./target.ts";

export interface LiveInputCheckOptions {
  /** A broadcaster must be connected, not merely able to connect. */
  requireLive: boolean;
}

/**
 * A channel's live input exists and is enabled: through the Worker (its channel map and Cloudflare
 * token work), and at the source when the account's API is at hand, since the Worker caches status.
 */
export function liveInputCheck(
  target: SmokeTarget,
  tenant: TargetTenant,
  channel: TargetChannel,
  options: LiveInputCheckOptions,
): SmokeCheck {
  const api = createServerClient({ baseUrl: target.workerUrl, tenant: tenant.id, key: tenant.key });
  const label = `${tenant.id}/${channel.name}`;
  return {
    name: `live-input ${label}`,
    async run(signal) {
      // With `channel`, the answer is that channel's status (without, every channel's).
      const status = (await api.streamStatus({ channel: channel.name }, { signal }).catch((e: unknown) => {
        throw explainStatusError(e, label);
      })) as ChannelStatusView;
      if (channel.liveInputId && status.live_input_id !== channel.liveInputId) {
        throw new CheckFailed(
          `the Worker maps ${label} to live input ${status.live_input_id}, the stack has ${channel.liveInputId}`,
        );
      }
      let { enabled, connected, state } = status;
      if (target.cloudflare) {
        const { client, accountId } = target.cloudflare;
        const input = await client
          .call(
            "GET",
            `/accounts/${accountId}/stream/live_inputs/${status.live_input_id}`,
            liveInput,
            undefined,
            {
              signal,
            },
          )
          .catch((e: unknown) => {
            if (e instanceof CloudflareApiError && e.status === 404) {
              throw new CheckFailed(
                `live input ${status.live_input_id} (${label}) does not exist on Cloudflare`,
              );
            }
            throw e;
          });
        state = liveInputState(input.status);
        ({ enabled } = input);
        connected = isConnectedState(state);
      }
      if (!enabled) {
        throw new CheckFailed(
          `live input ${status.live_input_id} (${label}) is disabled; POST /api/stream/connect re-enables it`,
        );
      }
      if (options.requireLive && !connected) {
        throw new CheckFailed(`${label} is not live (state: ${state ?? "never connected"})`);
      }
      return `${status.live_input_id} enabled, ${connected ? "live" : `not live (state: ${state ?? "none"})`}`;
    },
  };
}

function explainStatusError(e: unknown, label: string): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e.code === "channel_not_found") {
    return new CheckFailed(
      `the Worker has no channel ${label}: is its tenant map (compiled into the Worker by the deploy) from this stack?`,
    );
  }
  if (e.status === 404) {
    return new CheckFailed(`the live input of ${label} does not exist on Cloudflare (${e.message})`);
  }
  return e;
}
