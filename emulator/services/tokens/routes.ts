import { type Context, Hono } from "hono";
import * as z from "zod";
import { type Token, tokenCreate, tokenUpdate } from "#contracts/cloudflare/tokens.ts";
import type { Env } from "../../core/env.ts";
import { cfErrors } from "../../core/errors.ts";
import { cfOk } from "../../core/respond.ts";
import { jsonBody, parseOrThrow } from "../../core/validate.ts";
import type { RequirePermission } from "./check.ts";
import { permissionGroups, permissionName } from "./permissions.ts";
import type { StoredToken, TokenStore, TokenWrite } from "./store.ts";

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
 * "Account API token quota: 500" (developers.cloudflare.com/fundamentals/api/reference/limits/,
 * docs/reference/cloudflare-api.md §8). The emulator's bootstrap admin token stands for the owner's own
 * credential, not an account-owned token, so it does not count.
 */
export const ACCOUNT_TOKEN_QUOTA = 500;

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

/** Account-owned API tokens: `/accounts/:account_id/tokens` (docs/reference/cloudflare-api.md §7.1). */
export function tokenRoutes(store: TokenStore, requirePermission: RequirePermission) {
  const routes = new Hono<Env>();
  const tokenId = (c: Context<Env>) => c.req.param("token_id") ?? "";

  // The fixed paths come first: `/:token_id` would otherwise capture them.
  routes.get("/verify", requirePermission(null), (c) => {
    const token = store.get(c.get("tokenId"))!;
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

  routes.get("/permission_groups", requirePermission("Account API Tokens Read"), (c) => {
    const { name, scope } = c.req.query();
    return cfOk(
      c,
      permissionGroups.filter((g) => (!name || g.name === name) && (!scope || g.scopes.includes(scope))),
    );
  });

  routes.post("/", requirePermission("Account API Tokens Write"), async (c) => {
    const body = await jsonBody(c, createBody);
    if (store.accountTokens().length >= ACCOUNT_TOKEN_QUOTA) {
      throw cfErrors.quotaExceeded(
        `Account API token quota exceeded: an account can own at most ${ACCOUNT_TOKEN_QUOTA} API tokens`,
      );
    }
    const token = store.create(body);
    return cfOk(c, { ...publicView(token), value: token.value });
  });

  routes.get("/", requirePermission("Account API Tokens Read"), (c) => {
    const query = parseOrThrow(listQuery, c.req.query());
    const sorted = store
      .accountTokens()
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

  routes.get("/:token_id", requirePermission("Account API Tokens Read"), (c) =>
    cfOk(c, publicView(store.accountToken(tokenId(c)))),
  );

  routes.put("/:token_id", requirePermission("Account API Tokens Write"), async (c) => {
    store.accountToken(tokenId(c));
    const body = await jsonBody(c, updateBody);
    return cfOk(c, publicView(store.update(tokenId(c), body)));
  });

  routes.delete("/:token_id", requirePermission("Account API Tokens Write"), (c) => {
    store.delete(tokenId(c));
    return cfOk(c, { id: tokenId(c) });
  });

  routes.put("/:token_id/value", requirePermission("Account API Tokens Write"), async (c) => {
    store.accountToken(tokenId(c));
    await jsonBody(c, z.object({}));
    return cfOk(c, store.roll(tokenId(c)));
  });

  return routes;
}
