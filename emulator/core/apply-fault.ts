import { setTimeout as sleep } from "node:timers/promises";
import type { Context, Next } from "hono";
import { cfErrors } from "./errors.ts";
import type { HttpFaultAction } from "./faults.ts";
import { cfFail } from "./respond.ts";

/**
 * Carries out a fired fault rule; marks the response so that the request log can say so. Waits end
 * when `shutdown` aborts, so that a hanging fault never outlives the emulator.
 */
export async function applyFault(c: Context, action: HttpFaultAction, next: Next, shutdown: AbortSignal) {
  c.header("x-emulator-fault", action.type);
  switch (action.type) {
    case "latency":
      await sleep(action.ms, undefined, { signal: shutdown }).catch(() => undefined);
      return next();
    case "hang":
      await sleep(action.ms ?? 600_000, undefined, { signal: shutdown }).catch(() => undefined);
      return c.body(null, 504);
    case "malformed":
      return c.body('{"success":true,"result":{"uid":', 200, { "content-type": "application/json" });
    case "rate_limit": {
      c.header("retry-after", String(action.retryAfter));
      return cfFail(c, 429, cfErrors.rateLimited(action.retryAfter).errors);
    }
    case "status":
      if (action.body !== undefined) {
        return c.body(action.body, action.status as 500, { "content-type": "application/json" });
      }
      return cfFail(c, action.status as 500, [
        { code: 10000 + action.status, message: `Injected fault: HTTP ${action.status}` },
      ]);
  }
}
