import { createHash } from "node:crypto";
import type { PermissionGroup } from "#contracts/cloudflare/tokens.ts";

/** The permission groups the emulated APIs check, with the API's spelling (docs/reference/cloudflare-api.md §7.3). */
const GROUPS: { name: string; scope: "account" | "user" }[] = [
  { name: "Stream Read", scope: "account" },
  { name: "Stream Write", scope: "account" },
  { name: "Calls Read", scope: "account" },
  { name: "Calls Write", scope: "account" },
  { name: "Workers Scripts Read", scope: "account" },
  { name: "Workers Scripts Write", scope: "account" },
  { name: "Notifications Read", scope: "account" },
  { name: "Notifications Write", scope: "account" },
  { name: "Account API Tokens Read", scope: "account" },
  { name: "Account API Tokens Write", scope: "account" },
  { name: "Account Analytics Read", scope: "account" },
  // The user's own tokens (`/user/tokens`), a user-scope permission (docs/reference/cloudflare-api.md §7.2).
  { name: "API Tokens Read", scope: "user" },
  { name: "API Tokens Write", scope: "user" },
];

/** Ids are stable across runs so that configs and tests may name them, yet are looked up like the real ones. */
const groupId = (name: string) => createHash("md5").update(`permission-group:${name}`).digest("hex");

export const permissionGroups: PermissionGroup[] = GROUPS.map((g) => ({
  id: groupId(g.name),
  name: g.name,
  scopes: [g.scope === "account" ? "com.cloudflare.api.account" : "com.cloudflare.api.user"],
  category: g.name.replace(/ (Read|Write)$/, ""),
}));

const nameById = new Map(permissionGroups.map((g) => [g.id, g.name]));
export const permissionName = (id: string) => nameById.get(id);

/** "X Write" grants "X Read" as well, as Cloudflare's Edit permissions do. */
export function grants(held: string, needed: string): boolean {
  return held === needed || (needed.endsWith(" Read") && held === needed.replace(/ Read$/, " Write"));
}
