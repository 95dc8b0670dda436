import type { BindingCheck } from "#contracts/api/healthz.ts";
import type { TenantMap } from "#contracts/worker/tenant-map.ts";
import { TENANT_MAP_SOURCE } from "./tenant-map-source.ts";

export interface LoadedTenantMap {
  check: BindingCheck;
  map?: TenantMap;
}

/**
 * The tenant map from the JSON the script carries. The program validated it against the Worker's
 * schema before it compiled it in, so only its outline is checked here; anything but an object
 * with a playback base and tenants means the script was not built by the program.
 */
export function readTenantMap(source: string): LoadedTenantMap {
  if (!source.startsWith("{")) return { check: "missing" };
  try {
    const map = JSON.parse(source) as TenantMap;
    const outlined =
      typeof map.playbackBase === "string" && typeof map.tenants === "object" && map.tenants !== null;
    return outlined ? { check: "ok", map } : { check: "malformed" };
  } catch {
    return { check: "malformed" };
  }
}

/** Parsed once, when the isolate loads the script: no request pays for it. */
export const TENANT_MAP: LoadedTenantMap = readTenantMap(TENANT_MAP_SOURCE);
