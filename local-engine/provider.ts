import type { CloudflareRest } from "#infra/cloudflare-rest.ts";

export type Props = Record<string, unknown>;

/**
 * What the Cloudflare provider does for one resource type, redone with Cloudflare's own REST
 * calls so that the emulator serves it. Inputs and outputs use the Pulumi SDK's property names.
 */
export interface LocalProvider {
  /** Inputs whose change forces a replacement rather than an update in place (the provider's RequiresReplace). */
  readonly replaceOn: readonly string[];
  create(inputs: Props, api: CloudflareRest): Promise<{ id: string; outputs: Props }>;
  update(id: string, inputs: Props, api: CloudflareRest): Promise<Props>;
  delete(id: string, outputs: Props, api: CloudflareRest): Promise<void>;
}

/** Pulumi's camelCase property names to Cloudflare's snake_case wire names, recursively. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]),
    );
  }
  return value;
}

/** Cloudflare's snake_case wire names back to Pulumi's camelCase, recursively. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
        camelKeys(v),
      ]),
    );
  }
  return value;
}

export const accountPath = (inputs: Props) => `/accounts/${String(inputs.accountId)}`;
