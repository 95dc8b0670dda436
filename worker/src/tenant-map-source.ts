/**
 * The tenant map's JSON, compiled into the script: the Pulumi program puts the stack's map in place
 * of this string before it uploads the script, and the Worker's own tests put theirs in the same
 * way (`embedTenantMap`, contracts/worker/tenant-map.ts). Until then it is not JSON, and the Worker
 * reports its tenant map missing.
 */
export const TENANT_MAP_SOURCE: string = "__REALTIME_STACK_TENANT_MAP__";
