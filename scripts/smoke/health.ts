import type { ServerClient } from "#client/server.ts";
import { CheckFailed, type SmokeCheck } from "./check.ts";
import type { SmokeTarget } from "./target.ts";

/** `/healthz`: every binding usable, and the expected stack and version live. */
export function healthCheck(api: ServerClient, target: SmokeTarget): SmokeCheck {
  return {
    name: "health",
    async run(signal) {
      const health = await api.healthz({}, { signal });
      const unusable = Object.entries(health.checks).filter(([, c]) => c === "missing" || c === "malformed");
      if (unusable.length > 0) {
        throw new CheckFailed(
          `the Worker reports bindings it cannot use: ${unusable.map(([name, c]) => `${name} ${c}`).join(", ")}`,
        );
      }
      if (!health.ok) throw new CheckFailed("the Worker reports ok: false");
      if (target.stack && health.stack !== target.stack) {
        throw new CheckFailed(`the Worker serves stack "${health.stack}", expected "${target.stack}"`);
      }
      if (target.expectVersion && health.version !== target.expectVersion) {
        throw new CheckFailed(
          `version ${health.version} is live, expected ${target.expectVersion} (a fresh deploy may still be propagating)`,
        );
      }
      return `stack ${health.stack}, version ${health.version}`;
    },
  };
}
