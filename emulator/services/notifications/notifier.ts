import type { LiveInputNotification } from "#contracts/cloudflare/notifications.ts";
import { LIVE_INPUT_ALERT } from "#contracts/cloudflare/notifications.ts";
import { isConnectedState } from "#contracts/cloudflare/stream.ts";
import { newUuid } from "../../core/ids.ts";
import type { LiveInputStateChange } from "../stream/store.ts";
import type { NotificationStore } from "./store.ts";

export type LiveInputEvent = LiveInputNotification["data"]["event_type"];

/** Which notification a state change produces; `undefined` for states Cloudflare does not notify. */
export function eventForState(state: string | null, errored: boolean): LiveInputEvent | undefined {
  if (errored || state === "failed_to_connect" || state === "failed_to_reconnect")
    return "live_input.errored";
  if (isConnectedState(state)) return "live_input.connected";
  if (state === "reconnecting" || state === "new_configuration_accepted") return undefined;
  return "live_input.disconnected";
}

/**
 * Posts `stream_live_notifications` to every webhook destination of every enabled policy
 * whose `input_id` filter names the input (or that has none), with the destination's
 * secret verbatim in `cf-webhook-auth`, as Cloudflare does (docs/reference/cloudflare-api.md §2.1).
 */
export class WebhookNotifier {
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: NotificationStore,
    private readonly accountId: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Subscribed to Stream's live-input state changes. */
  notify(change: LiveInputStateChange): void {
    const event = eventForState(change.state, change.error !== undefined);
    if (!event) return;
    for (const policy of this.store.listPolicies()) {
      if (!policy.enabled || policy.alert_type !== LIVE_INPUT_ALERT) continue;
      const inputs = policy.filters?.input_id;
      if (inputs && inputs.length > 0 && !inputs.includes(change.uid)) continue;
      for (const { id } of policy.mechanisms.webhooks ?? []) {
        const destination = this.store.getWebhook(id);
        if (!destination) continue;
        const payload: LiveInputNotification = {
          name: policy.name,
          text: `Live input ${change.uid}: ${event}`,
          ts: Math.floor(Date.now() / 1000),
          account_id: this.accountId,
          policy_id: policy.id,
          policy_name: policy.name,
          alert_type: LIVE_INPUT_ALERT,
          alert_correlation_id: newUuid(),
          alert_event: event,
          data: {
            notification_name: "Stream Live Input",
            input_id: change.uid,
            event_type: event,
            updated_at: change.at,
            ...(event === "live_input.errored"
              ? {
                  live_input_errored: {
                    error: change.error ?? {
                      code: "ERR_GOP_OUT_OF_RANGE",
                      message: "Keyframe interval out of range",
                    },
                    video_codec: "",
                    audio_codec: "",
                  },
                }
              : {}),
          },
        };
        this.track(this.deliver(destination.id, destination.url, destination.secret, payload));
      }
    }
  }

  /** Resolves once every delivery started so far has finished. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(
    id: string,
    url: string,
    secret: string | undefined,
    payload: unknown,
  ): Promise<void> {
    let ok = false;
    try {
      const res = await this.fetchImpl(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(secret ? { "cf-webhook-auth": secret } : {}) },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      ok = res.ok;
    } catch {
      ok = false;
    }
    this.store.recordDelivery(id, ok);
  }
}
