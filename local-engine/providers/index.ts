import type { LocalProvider } from "../provider.ts";
import { accountToken } from "./account-token.ts";
import { callsSfuApp, callsTurnApp } from "./calls.ts";
import { notificationPolicy, notificationPolicyWebhooks } from "./notifications.ts";
import { streamLiveInput } from "./stream-live-input.ts";
import { workersCronTrigger, workersScript, workersScriptSubdomain } from "./workers.ts";

/** Every Cloudflare resource type the program declares, keyed by its Pulumi type token. */
export const providers: Record<string, LocalProvider> = {
  "cloudflare:index/streamLiveInput:StreamLiveInput": streamLiveInput,
  "cloudflare:index/callsSfuApp:CallsSfuApp": callsSfuApp,
  "cloudflare:index/callsTurnApp:CallsTurnApp": callsTurnApp,
  "cloudflare:index/accountToken:AccountToken": accountToken,
  "cloudflare:index/workersScript:WorkersScript": workersScript,
  "cloudflare:index/workersCronTrigger:WorkersCronTrigger": workersCronTrigger,
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": workersScriptSubdomain,
  "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks": notificationPolicyWebhooks,
  "cloudflare:index/notificationPolicy:NotificationPolicy": notificationPolicy,
};
