import type { Context } from "hono";
import { Hono } from "hono";
import { workerSecretPut } from "../../../contracts/cloudflare/workers.ts";
import { requirePermission } from "../../auth.ts";
import type { Env } from "../../context.ts";
import { cfErrors } from "../../errors.ts";
import { now } from "../../ids.ts";
import { cfOk } from "../../respond.ts";
import type { StoredScript } from "../../state.ts";
import { jsonBody } from "../../validate.ts";
import { workersErrors } from "./errors.ts";
import { findScript, saveScript, WORKERS_READ, WORKERS_WRITE } from "./script-context.ts";

/**
 * Script secrets: `/accounts/:account_id/workers/scripts/:script_name/secrets` (docs/reference/cloudflare-api.md §6.1).
 * A secret is a `secret_text` binding; its value is never returned.
 */
export const secretRoutes = new Hono<Env>();

const secretView = (name: string) => ({ name, type: "secret_text" as const });

const isSecretNamed = (name: string) => (b: StoredScript["bindings"][number]) =>
  b.type === "secret_text" && b.name === name;

function findSecretName(c: Context<Env>, script: StoredScript): string {
  const name = c.req.param("secret_name") ?? "";
  if (!script.bindings.some(isSecretNamed(name))) throw cfErrors.notFound("Secret");
  return name;
}

/** Creates or replaces a secret, deploying a new version like Cloudflare. */
secretRoutes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
  const script = findScript(c);
  const body = await jsonBody(c, workerSecretPut);
  const other = script.bindings.find((b) => b.name === body.name && b.type !== "secret_text");
  if (other) throw workersErrors.bindingNameInUse(body.name);
  const bindings = [...script.bindings.filter((b) => !isSecretNamed(body.name)(b)), body];
  saveScript(c, { ...script, bindings, modified_on: now() });
  return cfOk(c, secretView(body.name));
});

secretRoutes.get("/", requirePermission(WORKERS_READ), (c) => {
  const script = findScript(c);
  return cfOk(
    c,
    script.bindings.filter((b) => b.type === "secret_text").map((b) => secretView(b.name)),
  );
});

secretRoutes.get("/:secret_name", requirePermission(WORKERS_READ), (c) =>
  cfOk(c, secretView(findSecretName(c, findScript(c)))),
);

secretRoutes.delete("/:secret_name", requirePermission(WORKERS_WRITE), (c) => {
  const script = findScript(c);
  const name = findSecretName(c, script);
  saveScript(c, {
    ...script,
    bindings: script.bindings.filter((b) => !isSecretNamed(name)(b)),
    modified_on: now(),
  });
  return cfOk(c, null);
});
