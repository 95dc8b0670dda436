import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import {
  PLAIN_BINDINGS,
  type PlainBinding,
  SECRET_BINDINGS,
  type SecretBinding,
} from "#contracts/worker/bindings.ts";
import { DURABLE_OBJECTS } from "./worker-settings.ts";

/** The other slot of a two-slot secret: not bound while that slot holds nothing. */
type OptionalSecret = "SIGNING_SECRET_FALLBACK" | "WEBHOOK_SECRET_FALLBACK";

export type WorkerBindingValues = {
  plain: Record<PlainBinding, pulumi.Input<string>>;
  secret: Record<Exclude<SecretBinding, OptionalSecret>, pulumi.Input<string>> &
    Partial<Record<OptionalSecret, pulumi.Input<string>>>;
};

/** The Worker's bindings in the provider's shape, in the contract's order, then its Durable Objects. */
export function workerBindings(values: WorkerBindingValues): cloudflare.types.input.WorkersScriptBinding[] {
  return [
    ...PLAIN_BINDINGS.map((name) => ({ type: "plain_text", name, text: values.plain[name] })),
    ...SECRET_BINDINGS.flatMap((name) => {
      const text = values.secret[name];
      return text === undefined ? [] : [{ type: "secret_text", name, text }];
    }),
    ...DURABLE_OBJECTS.map((d) => ({
      type: "durable_object_namespace",
      name: d.binding,
      className: d.className,
    })),
  ];
}
