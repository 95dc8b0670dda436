import { randomBytes } from "node:crypto";
import type { ServerClient } from "#client/server.ts";
import { API_ROUTES } from "#contracts/api/routes.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import type { TargetTenant } from "./target.ts";

/** A key of the right shape that no signing secret produced. */
const wrongKey = () => `rsk.1.${randomBytes(32).toString("base64url")}`;

/** The API refuses a request without a key and one with a wrong key, both with 401. */
export function authCheck(api: ServerClient, tenant: TargetTenant): SmokeCheck {
  const path = `${API_ROUTES.streamStatus.path}?channel=${encodeURIComponent(tenant.channels[0]?.name ?? "smoke")}`;
  return {
    name: "auth",
    async run(signal) {
      const missing = await api.raw(path, { headers: { "x-tenant-id": tenant.id }, signal });
      await missing.body?.cancel();
      if (missing.status !== 401) {
        throw new CheckFailed(`a request without a key got HTTP ${missing.status}, expected 401`);
      }
      const wrong = await api.raw(path, {
        headers: { "x-tenant-id": tenant.id, authorization: `Bearer ${wrongKey()}` },
        signal,
      });
      await wrong.body?.cancel();
      if (wrong.status !== 401) {
        throw new CheckFailed(`a request with a wrong key got HTTP ${wrong.status}, expected 401`);
      }
      return "no key: 401, wrong key: 401";
    },
  };
}
