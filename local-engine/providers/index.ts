import {
  ACCOUNT_TOKEN,
  NOTIFICATION_POLICY,
  NOTIFICATION_POLICY_WEBHOOKS,
  WORKERS_CRON_TRIGGER,
  WORKERS_CUSTOM_DOMAIN,
  WORKERS_ROUTE,
  WORKERS_SCRIPT,
  WORKERS_SCRIPT_SUBDOMAIN,
} from "#infra/type-tokens.ts";
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
  [ACCOUNT_TOKEN]: accountToken,
  [WORKERS_SCRIPT]: workersScript,
  [WORKERS_CRON_TRIGGER]: workersCronTrigger,
  [WORKERS_SCRIPT_SUBDOMAIN]: workersScriptSubdomain,
  [WORKERS_ROUTE]: workersRoute,
  [WORKERS_CUSTOM_DOMAIN]: workersCustomDomain,
  [NOTIFICATION_POLICY_WEBHOOKS]: notificationPolicyWebhooks,
  [NOTIFICATION_POLICY]: notificationPolicy,
};
