import { setTimeout as sleep } from "node:timers/promises";
import type { Context, Next } from "hono";
import type { Env } from "../context.ts";
import { cfErrors } from "../errors.ts";
import { cfFail } from "../respond.ts";
import type { FaultAction } from "./faults.ts";

/** Carries out a fired fault rule; marks the response so that the request log can say so. */
export async function applyFault(c: Context<Env>, action: FaultAction, next: Next) {
  c.header("x-emulator-fault", action.type);
  switch (action.type) {
    case "latency":
      await sleep(action.ms, undefined, { signal: c.get("services").shutdown }).catch(() => undefined);
      return next();
    case "hang":
      await sleep(action.ms ?? 600_000, undefined, { signal: c.get("services").shutdown }).catch(
        () => undefined,
      );
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
