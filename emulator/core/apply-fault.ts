import type { IncomingMessage } from "node:http";
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
    case "lose_answer": {
      await next();
      if (action.as !== "reset") {
        // The service's answer is final by now: it is replaced, not merged into.
        c.res = undefined;
        c.res = injectedStatus(c, action.as);
        return c.res;
      }
      // @hono/node-server hands the Node request over as `incoming`; its socket is the connection.
      (c.env as { incoming?: IncomingMessage }).incoming?.socket.destroy();
      return c.res;
    }
    case "status":
      if (action.body !== undefined) {
        return c.body(action.body, action.status as 500, { "content-type": "application/json" });
      }
      return injectedStatus(c, action.status);
  }
}

function injectedStatus(c: Context, status: number) {
  return cfFail(c, status as 500, [{ code: 10000 + status, message: `Injected fault: HTTP ${status}` }]);
}
