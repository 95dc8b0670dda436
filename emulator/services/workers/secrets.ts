import type { Context } from "hono";
import { Hono } from "hono";
import { workerSecretPut } from "#contracts/cloudflare/workers.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { now } from "../../core/ids.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody } from "../../core/validate.ts";
import { environmentVariablesOf } from "./bindings.ts";
import { workersErrors } from "./errors.ts";
import { environmentVariableRefusal } from "./limits.ts";
import { findScript, WORKERS_READ, WORKERS_WRITE, type WorkersRouteDeps } from "./script-context.ts";
import type { StoredScript } from "./store.ts";

const secretView = (name: string) => ({ name, type: "secret_text" as const });

const isSecretNamed = (name: string) => (b: StoredScript["bindings"][number]) =>
  b.type === "secret_text" && b.name === name;

function findSecretName(c: Context<Env>, script: Readonly<StoredScript>): string {
  const name = c.req.param("secret_name") ?? "";
  if (!script.bindings.some(isSecretNamed(name))) throw cfErrors.notFound("Secret");
  return name;
}

/**
 * Script secrets: `/accounts/:account_id/workers/scripts/:script_name/secrets` (docs/reference/cloudflare-api.md §6.1).
 * A secret is a `secret_text` binding; its value is never returned.
 */
export function secretRoutes({ store, requirePermission, plan }: WorkersRouteDeps) {
  const routes = new Hono<Env>();

  /** Creates or replaces a secret, deploying a new version like Cloudflare. */
  routes.put("/", requirePermission(WORKERS_WRITE), async (c) => {
    const script = findScript(store, c);
    const body = await jsonBody(c, workerSecretPut);
    const other = script.bindings.find((b) => b.name === body.name && b.type !== "secret_text");
    if (other) throw workersErrors.bindingNameInUse(body.name);
    const bindings = [...script.bindings.filter((b) => !isSecretNamed(body.name)(b)), body];
    // A secret is an environment variable: its size and the Worker's count of them are limited
    // as an upload's are (limits.ts).
    const refusal = environmentVariableRefusal(environmentVariablesOf(bindings), plan());
    if (refusal) throw workersErrors.refused(refusal);
    store.put({ ...script, bindings, modified_on: now() });
    return cfOk(c, secretView(body.name));
  });

  routes.get("/", requirePermission(WORKERS_READ), (c) => {
    const script = findScript(store, c);
    return cfOk(
      c,
      script.bindings.filter((b) => b.type === "secret_text").map((b) => secretView(b.name)),
    );
  });

  routes.get("/:secret_name", requirePermission(WORKERS_READ), (c) =>
    cfOk(c, secretView(findSecretName(c, findScript(store, c)))),
  );

  routes.delete("/:secret_name", requirePermission(WORKERS_WRITE), (c) => {
    const script = findScript(store, c);
    const name = findSecretName(c, script);
    store.put({
      ...script,
      bindings: script.bindings.filter((b) => !isSecretNamed(name)(b)),
      modified_on: now(),
    });
    return cfOk(c, null);
  });

  return routes;
}
