import * as z from "zod/mini";
import { PLAIN_BINDINGS, SECRET_BINDINGS } from "../worker/bindings.ts";

/** `default`: an optional binding that is absent, so the Worker uses Cloudflare's own value. */
export const bindingCheck = z.enum(["ok", "default", "missing", "malformed"]);
export type BindingCheck = z.infer<typeof bindingCheck>;

const BINDING_NAMES = [...PLAIN_BINDINGS, ...SECRET_BINDINGS] as const;

/** `GET /healthz`: whether each binding is usable, never its value. */
export const healthzData = z.object({
  ok: z.boolean(),
  version: z.string(),
  stack: z.string(),
  checks: z.object(
    Object.fromEntries(BINDING_NAMES.map((name) => [name, bindingCheck])) as Record<
      (typeof BINDING_NAMES)[number],
      typeof bindingCheck
    >,
  ),
});
export type HealthzData = z.infer<typeof healthzData>;
