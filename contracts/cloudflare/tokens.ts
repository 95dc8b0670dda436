import * as z from "zod";

export const permissionGroup = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  category: z.string().exactOptional(),
});
export type PermissionGroup = z.infer<typeof permissionGroup>;

export const tokenPolicy = z.object({
  id: z.string().exactOptional(),
  effect: z.enum(["allow", "deny"]),
  resources: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string())])),
  permission_groups: z.array(z.object({ id: z.string(), name: z.string().exactOptional() })).min(1),
});

/** Cloudflare's wire key is `request.ip` (docs/reference/cloudflare-api.md §7.1), not the SDK's `request_ip`. */
export const tokenCondition = z.object({
  "request.ip": z
    .object({ in: z.array(z.string()).exactOptional(), not_in: z.array(z.string()).exactOptional() })
    .exactOptional(),
});

export const tokenCreate = z.object({
  name: z.string().min(1).max(120),
  policies: z.array(tokenPolicy).min(1),
  expires_on: z.string().exactOptional(),
  not_before: z.string().exactOptional(),
  condition: tokenCondition.exactOptional(),
});
export type TokenCreate = z.infer<typeof tokenCreate>;

export const tokenUpdate = tokenCreate.extend({
  status: z.enum(["active", "disabled", "expired"]).exactOptional(),
});

export const token = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["active", "disabled", "expired"]),
  issued_on: z.string(),
  modified_on: z.string(),
  last_used_on: z.string().nullable(),
  expires_on: z.string().exactOptional(),
  not_before: z.string().exactOptional(),
  policies: z.array(tokenPolicy),
  condition: tokenCondition.exactOptional(),
});
export type Token = z.infer<typeof token>;

/** `value` comes back only from create and roll. */
export const tokenWithValue = token.extend({ value: z.string().min(40).max(80) });

export const tokenVerify = z.object({
  id: z.string(),
  status: z.enum(["active", "disabled", "expired"]),
  expires_on: z.string().exactOptional(),
  not_before: z.string().exactOptional(),
});
