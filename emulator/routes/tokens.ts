import type { Context } from "hono";
import { Hono } from "hono";
import * as z from "zod";
import { type Token, tokenCreate, tokenUpdate } from "../../contracts/cloudflare/tokens.ts";
import { requirePermission } from "../auth.ts";
import type { Env } from "../context.ts";
import { newTag, newTokenValue, now } from "../ids.ts";
import { permissionGroups, permissionName } from "../permissions.ts";
import { cfOk } from "../respond.ts";
import type { EmulatorData, StoredToken } from "../state.ts";
import { jsonBody, parseOrThrow } from "../validate.ts";
import { findOr404 } from "./lookup.ts";

type TokenWrite = z.infer<typeof tokenUpdate>;

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

const createBody = tokenCreate.superRefine(checkReferences);
const updateBody = tokenUpdate.superRefine(checkReferences);

const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(5).max(50).default(20),
  direction: z.enum(["asc", "desc"]).default("asc"),
  include_expired: z.enum(["true", "false"]).default("false"),
});

const isExpired = (t: StoredToken) => t.expires_on !== undefined && Date.parse(t.expires_on) <= Date.now();
const statusOf = (t: StoredToken) => (t.status === "active" && isExpired(t) ? "expired" : t.status);

/** The token as get and list show it: never its value. */
function publicView(t: StoredToken): Token {
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

/** Stored policies carry ids and permission group names, as Cloudflare returns them. */
const storedPolicies = (policies: TokenWrite["policies"]): StoredToken["policies"] =>
  policies.map((p) => ({
    id: p.id ?? newTag(),
    effect: p.effect,
    resources: p.resources,
    permission_groups: p.permission_groups.map(({ id }) => ({ id, name: permissionName(id)! })),
  }));

function applyWrite(token: StoredToken, body: TokenWrite): void {
  token.name = body.name;
  token.policies = storedPolicies(body.policies);
  token.expires_on = body.expires_on;
  token.not_before = body.not_before;
  token.condition = body.condition;
  if (body.status !== undefined) token.status = body.status;
  token.modified_on = now();
}

/**
 * The emulator's bootstrap admin token stands for the account owner's own credential, not an
 * account-owned token, so the tokens API neither lists nor lets anyone roll or delete it.
 */
const accountTokens = (data: EmulatorData) =>
  Object.fromEntries(Object.entries(data.tokens).filter(([, t]) => !t.superAdmin));

const findToken = (c: Context<Env>) =>
  findOr404(accountTokens(c.get("services").state.data), c.req.param("token_id")!, "Token");

/** Account-owned API tokens: `/accounts/:account_id/tokens` (docs/reference/cloudflare-api.md §7.1). */
export const tokenRoutes = new Hono<Env>();

// The fixed paths come first: `/:token_id` would otherwise capture them.
tokenRoutes.get("/verify", requirePermission(null), (c) => {
  const token = c.get("token");
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

tokenRoutes.get("/permission_groups", requirePermission("Account API Tokens Read"), (c) => {
  const { name, scope } = c.req.query();
  return cfOk(
    c,
    permissionGroups.filter((g) => (!name || g.name === name) && (!scope || g.scopes.includes(scope))),
  );
});

tokenRoutes.post("/", requirePermission("Account API Tokens Write"), async (c) => {
  const body = await jsonBody(c, createBody);
  const { state } = c.get("services");
  const at = now();
  const token: StoredToken = {
    id: newTag(),
    name: body.name,
    value: newTokenValue(),
    status: "active",
    superAdmin: false,
    policies: [],
    issued_on: at,
    modified_on: at,
    last_used_on: null,
  };
  applyWrite(token, body);
  state.data.tokens[token.id] = token;
  state.persist();
  return cfOk(c, { ...publicView(token), value: token.value });
});

tokenRoutes.get("/", requirePermission("Account API Tokens Read"), (c) => {
  const query = parseOrThrow(listQuery, c.req.query());
  const sorted = Object.values(accountTokens(c.get("services").state.data))
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

tokenRoutes.get("/:token_id", requirePermission("Account API Tokens Read"), (c) =>
  cfOk(c, publicView(findToken(c))),
);

tokenRoutes.put("/:token_id", requirePermission("Account API Tokens Write"), async (c) => {
  const token = findToken(c);
  const body = await jsonBody(c, updateBody);
  applyWrite(token, body);
  c.get("services").state.persist();
  return cfOk(c, publicView(token));
});

tokenRoutes.delete("/:token_id", requirePermission("Account API Tokens Write"), (c) => {
  const token = findToken(c);
  const { state } = c.get("services");
  delete state.data.tokens[token.id];
  state.persist();
  return cfOk(c, { id: token.id });
});

/** Roll: a new value; the old one stops working at once. */
tokenRoutes.put("/:token_id/value", requirePermission("Account API Tokens Write"), async (c) => {
  const token = findToken(c);
  await jsonBody(c, z.object({}));
  token.value = newTokenValue();
  token.modified_on = now();
  c.get("services").state.persist();
  return cfOk(c, token.value);
});
