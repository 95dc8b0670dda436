import { Hono } from "hono";
import { workerSchedulesPut } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { now } from "../../ids.ts";
import { cfOk } from "../../respond.ts";
import type { StoredScript } from "../../state.ts";
import { jsonBody } from "../../validate.ts";
import { findScript, saveScript, WORKERS_READ, WORKERS_WRITE } from "./script-context.ts";

/** Cron triggers: `/accounts/:account_id/workers/scripts/:script_name/schedules`. */
export const scheduleRoutes = new Hono<Env>();

const schedulesView = (s: StoredScript) => ({ schedules: s.schedules.map((x) => ({ ...x })) });

scheduleRoutes.get("/", requirePermission(WORKERS_READ), (c) => cfOk(c, schedulesView(findScript(c))));

/** Replaces every trigger; a cron already present keeps its `created_on`. */
scheduleRoutes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
  const script = findScript(c);
  const crons = [...new Set((await jsonBody(c, workerSchedulesPut)).map((s) => s.cron.trim()))];
  const at = now();
  const schedules = crons.map(
    (cron) => script.schedules.find((s) => s.cron === cron) ?? { cron, created_on: at, modified_on: at },
  );
  const updated = { ...script, schedules };
  saveScript(c, updated);
  return cfOk(c, schedulesView(updated));
});
