import * as cloudflare from "@pulumi/cloudflare";
import { describe, expect, it } from "vitest";
import {
  ACCOUNT_TOKEN,
  isDynamicType,
  NOTIFICATION_POLICY,
  NOTIFICATION_POLICY_WEBHOOKS,
  PERMISSION_GROUPS_LIST,
  REALTIME_SFU_APP,
  REALTIME_TURN_KEY,
  STREAM_LIVE_INPUT,
  STREAM_LIVE_INPUT_OUTPUT,
  STREAM_SIGNING_KEY,
  WORKERS_CRON_TRIGGER,
  WORKERS_CUSTOM_DOMAIN,
  WORKERS_ROUTE,
  WORKERS_SCRIPT,
  WORKERS_SCRIPT_SUBDOMAIN,
  WORKERS_SCRIPTS_LIST,
} from "./type-tokens.ts";

/** Each bridged resource token, with the @pulumi/cloudflare class that registers under it. */
const RESOURCES: [string, unknown][] = [
  [ACCOUNT_TOKEN, cloudflare.AccountToken],
  [WORKERS_SCRIPT, cloudflare.WorkersScript],
  [WORKERS_CRON_TRIGGER, cloudflare.WorkersCronTrigger],
  [WORKERS_SCRIPT_SUBDOMAIN, cloudflare.WorkersScriptSubdomain],
  [WORKERS_ROUTE, cloudflare.WorkersRoute],
  [WORKERS_CUSTOM_DOMAIN, cloudflare.WorkersCustomDomain],
  [NOTIFICATION_POLICY_WEBHOOKS, cloudflare.NotificationPolicyWebhooks],
  [NOTIFICATION_POLICY, cloudflare.NotificationPolicy],
];

/** Each invoke token, with the @pulumi/cloudflare function the program calls to send it. */
const INVOKES: [string, () => unknown][] = [
  [PERMISSION_GROUPS_LIST, cloudflare.getAccountApiTokenPermissionGroupsListOutput],
  [WORKERS_SCRIPTS_LIST, cloudflare.getWorkersScriptsOutput],
];

describe("Pulumi type tokens", () => {
  it("are the ones @pulumi/cloudflare registers its resources under", () => {
    for (const [token, resource] of RESOURCES) {
      // `__pulumiType` is internal to the package's declarations, so it is read untyped.
      expect((resource as { __pulumiType: string }).__pulumiType).toBe(token);
    }
  });

  it("are the ones @pulumi/cloudflare invokes its functions with", () => {
    for (const [token, invoke] of INVOKES) expect(invoke.toString()).toContain(`"${token}"`);
  });

  it("name the project's dynamic resources as Pulumi registers them", () => {
    expect(STREAM_LIVE_INPUT).toBe("pulumi-nodejs:dynamic/cloudflare:StreamLiveInput");
    const dynamic = [STREAM_LIVE_INPUT_OUTPUT, STREAM_SIGNING_KEY, REALTIME_TURN_KEY, REALTIME_SFU_APP];
    expect(dynamic.every(isDynamicType)).toBe(true);
    expect(isDynamicType(WORKERS_SCRIPT)).toBe(false);
  });
});
