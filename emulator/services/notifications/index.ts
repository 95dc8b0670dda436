import { ACCOUNT_API, type EmulatorService } from "../../core/service.ts";
import type { StateFile } from "../../core/state-file.ts";
import type { StreamStore } from "../stream/store.ts";
import type { RequirePermission } from "../tokens/check.ts";
import { WebhookNotifier } from "./notifier.ts";
import { notificationRoutes } from "./routes.ts";
import { NotificationStore } from "./store.ts";

export interface NotificationsDeps {
  state: StateFile;
  requirePermission: RequirePermission;
  accountId: string;
  /** The live-input state changes that notifications are posted for. */
  liveInputs: Pick<StreamStore, "onStateChange">;
  /** Delivers the webhooks. */
  fetch?: typeof fetch | undefined;
}

/** Notifications: webhook destinations and policies, and the delivery of `stream_live_notifications`. */
export function notificationsService(
  deps: NotificationsDeps,
): EmulatorService<NotificationStore> & { notifier: WebhookNotifier } {
  const store = new NotificationStore(deps.state);
  const notifier = new WebhookNotifier(store, deps.accountId, deps.fetch);
  deps.liveInputs.onStateChange((change) => notifier.notify(change));
  return {
    store,
    notifier,
    mounts: [
      { path: `${ACCOUNT_API}/alerting/v3`, routes: notificationRoutes(store, deps.requirePermission) },
    ],
  };
}
