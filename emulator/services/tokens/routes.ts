import { type Context, Hono } from "hono";
import * as z from "zod";
import { type Token, tokenCreate, tokenUpdate } from "#contracts/cloudflare/tokens.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody, parseOrThrow } from "../../core/validate.ts";
import type { RequirePermission } from "./check.ts";
import { permissionGroups, permissionName } from "./permissions.ts";
import { ownerOf, type StoredToken, type TokenOwner, type TokenStore, type TokenWrite } from "./store.ts";

/**
 * Bad dates would make a token silently never expire, and an unknown permission group would
 * grant nothing: both are field errors, as Cloudflare answers them.
 */
function checkReferences(body: TokenWrite, ctx: z.RefinementCtx) {
  for (const field of ["expires_on", "not_before"] as const) {
    const value = body[field];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      ctx.addIssue({ code: "custom", path: [field], message: "must be an RFC 3339 date-time" });
    }
  }
  for (const [p, policy] of body.policies.entries()) {
    for (const [g, group] of policy.permission_groups.entries()) {
      if (permissionName(group.id) === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["policies", p, "permission_groups", g, "id"],
          message: `unknown permission group id ${group.id}`,
        });
      }
    }
  }
}

/**
 * What differs between the account's tokens API and the user's: the permission each needs, and the
 * quota. "Account API token quota: 500" and 50 user tokens (developers.cloudflare.com/fundamentals/
 * api/reference/limits/, docs/reference/cloudflare-api.md §8); the user's permissions are "API Tokens
 * Read/Write" (§7.2). The emulator's bootstrap admin token is neither owner's token and does not count.
 */
const OWNERS = {
  account: {
    read: "Account API Tokens Read",
    write: "Account API Tokens Write",
    quota: 500,
    quotaMessage: "Account API token quota exceeded: an account can own at most 500 API tokens",
    groupScope: "com.cloudflare.api.account",
  },
  user: {
    read: "API Tokens Read",
    write: "API Tokens Write",
    quota: 50,
    quotaMessage: "User API token quota exceeded: a user can own at most 50 API tokens",
    groupScope: undefined,
  },
} as const;

const createBody = tokenCreate.superRefine(checkReferences);
const updateBody = tokenUpdate.superRefine(checkReferences);

const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(5).max(50).default(20),
  direction: z.enum(["asc", "desc"]).default("asc"),
  include_expired: z.enum(["true", "false"]).default("false"),
});

const isExpired = (t: Readonly<StoredToken>) =>
  t.expires_on !== undefined && Date.parse(t.expires_on) <= Date.now();
const statusOf = (t: Readonly<StoredToken>) => (t.status === "active" && isExpired(t) ? "expired" : t.status);

/** The token as get and list show it: never its value. */
function publicView(t: Readonly<StoredToken>): Token {
  return {
    id: t.id,
    name: t.name,
    status: statusOf(t),
    issued_on: t.issued_on,
    modified_on: t.modified_on,
    last_used_on: t.last_used_on,
    ...(t.expires_on ? { expires_on: t.expires_on } : {}),
    ...(t.not_before ? { not_before: t.not_before } : {}),
    policies: t.policies,
    ...(t.condition ? { condition: t.condition } : {}),
  };
}

/**
 * One owner's API tokens: the account's at `/accounts/:account_id/tokens`, the user's at
 * `/user/tokens` (docs/reference/cloudflare-api.md §7.1, §7.2). Same shapes, each reaching only its
 * own tokens.
 */
export function tokenRoutes(store: TokenStore, requirePermission: RequirePermission, owner: TokenOwner) {
  const routes = new Hono<Env>();
  const tokenId = (c: Context<Env>) => c.req.param("token_id") ?? "";
  const { read, write, quota, quotaMessage, groupScope } = OWNERS[owner];

  // The fixed paths come first: `/:token_id` would otherwise capture them.
  routes.get("/verify", requirePermission(null), (c) => {
    const token = store.get(c.get("tokenId"))!;
    // Each verify knows its owner's tokens only. `/user/tokens/verify` answers 401 for an
    // account-owned token (benvinegar/counterscale PR #268, docs/reference/cloudflare-api.md §7.1);
    // that the account's verify refuses a user's token alike is our inference from it, with the
    // invalid token's 401/1000 (a guess: Cloudflare does not document it).
    if (!token.superAdmin && ownerOf(token) !== owner) throw cfErrors.invalidToken();
    const { expires_on, not_before } = token;
    return c.json({
      success: true,
      errors: [],
      messages: [{ code: 10000, message: "This API Token is valid and active" }],
      result: {
        id: token.id,
        status: statusOf(token),
        ...(expires_on ? { expires_on } : {}),
        ...(not_before ? { not_before } : {}),
      },
    });
  });

  // An account-owned token can hold account permissions only; a user's token may hold both [INF].
  routes.get("/permission_groups", requirePermission(read), (c) => {
    const { name, scope } = c.req.query();
    return cfOk(
      c,
      permissionGroups.filter(
        (g) =>
          (!groupScope || g.scopes.includes(groupScope)) &&
          (!name || g.name === name) &&
          (!scope || g.scopes.includes(scope)),
      ),
    );
  });

  routes.post("/", requirePermission(write), async (c) => {
    const body = await jsonBody(c, createBody);
    if (store.ownedBy(owner).length >= quota) throw cfErrors.quotaExceeded(quotaMessage);
    const token = store.create(owner, body);
    return cfOk(c, { ...publicView(token), value: token.value });
  });

  routes.get("/", requirePermission(read), (c) => {
    const query = parseOrThrow(listQuery, c.req.query());
    const sorted = store
      .ownedBy(owner)
      .filter((t) => query.include_expired === "true" || !isExpired(t))
      .sort((a, b) => a.issued_on.localeCompare(b.issued_on));
    if (query.direction === "desc") sorted.reverse();
    const start = (query.page - 1) * query.per_page;
    const page = sorted.slice(start, start + query.per_page).map(publicView);
    return cfOk(c, page, 200, {
      page: query.page,
      per_page: query.per_page,
      count: page.length,
      total_count: sorted.length,
      total_pages: Math.ceil(sorted.length / query.per_page),
    });
  });

  routes.get("/:token_id", requirePermission(read), (c) =>
    cfOk(c, publicView(store.owned(owner, tokenId(c)))),
  );

  routes.put("/:token_id", requirePermission(write), async (c) => {
    store.owned(owner, tokenId(c));
    const body = await jsonBody(c, updateBody);
    return cfOk(c, publicView(store.update(owner, tokenId(c), body)));
  });

  routes.delete("/:token_id", requirePermission(write), (c) => {
    store.delete(owner, tokenId(c));
    return cfOk(c, { id: tokenId(c) });
  });

  // "Rolling your API token into a new one will invalidate the previous token": the old value is
  // refused from the next request on, for either owner (docs/reference/rotation-credentials.md §1.4).
  routes.put("/:token_id/value", requirePermission(write), async (c) => {
    store.owned(owner, tokenId(c));
    await jsonBody(c, z.object({}));
    return cfOk(c, store.roll(owner, tokenId(c)));
  });

  return routes;
}
