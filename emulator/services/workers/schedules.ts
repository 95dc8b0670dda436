import { Hono } from "hono";
import { workerSchedulesPut } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { now } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { workersErrors } from "./errors.ts";
import { cronTriggerRefusal } from "./limits.ts";
import { findScript, WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import type { StoredScript } from "./store.ts";

const schedulesView = (s: Readonly<StoredScript>) => ({ schedules: s.schedules.map((x) => ({ ...x })) });

/** Cron triggers: `/accounts/:account_id/workers/scripts/:script_name/schedules`. */
export function scheduleRoutes({ store, requirePermission, plan }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  routes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, schedulesView(findScript(store, c))));

  /**
   * Replaces every trigger; a cron already present keeps its `created_on`. The account's triggers,
   * every script's together, must stay within the plan's limit (limits.ts).
   */
  routes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
    const script = findScript(store, c);
    const crons = [...new Set((await jsonBody(c, workerSchedulesPut)).map((s) => s.cron.trim()))];
    const elsewhere = store
      .list()
      .filter((s) => s.id !== script.id)
      .reduce((sum, s) => sum + s.schedules.length, 0);
    const refusal = cronTriggerRefusal(elsewhere + crons.length, plan());
    if (refusal) throw workersErrors.refused(refusal);
    const at = now();
    const schedules = crons.map(
      (cron) => script.schedules.find((s) => s.cron === cron) ?? { cron, created_on: at, modified_on: at },
    );
    const updated = { ...script, schedules };
    store.put(updated);
    return cfOk(c, schedulesView(updated));
  });

  return routes;
}
