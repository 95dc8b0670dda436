import type { LocalProvider } from "../provider.ts";
import { accountToken } from "./account-token.ts";
import { notificationPolicy, notificationPolicyWebhooks } from "./notifications.ts";
import { workersCronTrigger, workersScript, workersScriptSubdomain } from "./workers.ts";
import { workersCustomDomain, workersRoute } from "./workers-exposure.ts";

/**
 * The resources the program still declares through @pulumi/cloudflare, keyed by type token. The
 * project's own providers need no stand-in: the engine runs them in Pulumi's dynamic-provider host.
 */
export const providers: Record<string, LocalProvider> = {
  "cloudflare:index/accountToken:AccountToken": accountToken,
  "cloudflare:index/workersScript:WorkersScript": workersScript,
  "cloudflare:index/workersCronTrigger:WorkersCronTrigger": workersCronTrigger,
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": workersScriptSubdomain,
  "cloudflare:index/workersRoute:WorkersRoute": workersRoute,
  "cloudflare:index/workersCustomDomain:WorkersCustomDomain": workersCustomDomain,
  "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks": notificationPolicyWebhooks,
  "cloudflare:index/notificationPolicy:NotificationPolicy": notificationPolicy,
};
