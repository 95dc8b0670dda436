/**
 * Every Pulumi type token the repository names, defined once: the program registers resources
 * under them, the local engine and the test fakes answer them, and the rotation reads plans by
 * them. No imports, so that scripts can name a token without loading Pulumi.
 */

/**
 * The module of the project's own dynamic resources (infra/providers/). Pulumi registers a dynamic
 * resource as `pulumi-nodejs:dynamic/<module>:<type>` (node_modules/@pulumi/pulumi/dynamic/index.js).
 */
export const DYNAMIC_MODULE = "cloudflare";
const DYNAMIC_PACKAGE = "pulumi-nodejs:dynamic";

/** The type each dynamic resource passes to Pulumi with `DYNAMIC_MODULE`. */
export const DYNAMIC_TYPES = {
  streamLiveInput: "StreamLiveInput",
  streamLiveInputOutput: "StreamLiveInputOutput",
  streamSigningKey: "StreamSigningKey",
  realtimeTurnKey: "RealtimeTurnKey",
  realtimeSfuApp: "RealtimeSfuApp",
} as const;

const dynamicToken = (type: string) => `${DYNAMIC_PACKAGE}/${DYNAMIC_MODULE}:${type}`;

export const STREAM_LIVE_INPUT = dynamicToken(DYNAMIC_TYPES.streamLiveInput);
export const STREAM_LIVE_INPUT_OUTPUT = dynamicToken(DYNAMIC_TYPES.streamLiveInputOutput);
export const STREAM_SIGNING_KEY = dynamicToken(DYNAMIC_TYPES.streamSigningKey);
export const REALTIME_TURN_KEY = dynamicToken(DYNAMIC_TYPES.realtimeTurnKey);
export const REALTIME_SFU_APP = dynamicToken(DYNAMIC_TYPES.realtimeSfuApp);

/** Whether a token is a dynamic resource's, whatever its module and type. */
export const isDynamicType = (type: string) => type.startsWith(DYNAMIC_PACKAGE);

/*
 * The @pulumi/cloudflare resources the program declares, each as its class registers it (the
 * class's `__pulumiType`, e.g. node_modules/@pulumi/cloudflare/workersScript.js); type-tokens.test.ts
 * holds them to the package.
 */
export const ACCOUNT_TOKEN = "cloudflare:index/accountToken:AccountToken";
export const WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript";
export const WORKERS_CRON_TRIGGER = "cloudflare:index/workersCronTrigger:WorkersCronTrigger";
export const WORKERS_SCRIPT_SUBDOMAIN = "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
export const WORKERS_ROUTE = "cloudflare:index/workersRoute:WorkersRoute";
export const WORKERS_CUSTOM_DOMAIN = "cloudflare:index/workersCustomDomain:WorkersCustomDomain";
export const NOTIFICATION_POLICY_WEBHOOKS =
  "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks";
export const NOTIFICATION_POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy";

/* The @pulumi/cloudflare functions the program invokes, by the token each sends. */
export const PERMISSION_GROUPS_LIST =
  "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList";
export const WORKERS_SCRIPTS_LIST = "cloudflare:index/getWorkersScripts:getWorkersScripts";
