import type * as z from "zod";
import type { tokenUpdate } from "#contracts/cloudflare/tokens.ts";
import { Collection } from "../../core/collection.ts";
import { orNotFound } from "../../core/errors.ts";
import { newAccountTokenValue, newTag, newTokenValue, newUserTokenValue, now } from "../../core/ids.ts";
import type { Section, StateFile } from "../../core/state-file.ts";
import { permissionName } from "./permissions.ts";

/** Who owns a token: an account (`/accounts/{id}/tokens`) or the user (`/user/tokens`). */
export type TokenOwner = "account" | "user";

export interface StoredToken {
  id: string;
  /** Absent in state files from before user-owned tokens: those were all account-owned. */
  owner?: TokenOwner;
  name: string;
  value: string;
  status: "active" | "disabled" | "expired";
  /** The bootstrap token holds every permission on every account, like a Super Administrator. */
  superAdmin: boolean;
  policies: {
    id: string;
    effect: "allow" | "deny";
    resources: Record<string, string | Record<string, string>>;
    permission_groups: { id: string; name?: string }[];
  }[];
  condition?: { "request.ip"?: { in?: string[]; not_in?: string[] } } | undefined;
  issued_on: string;
  modified_on: string;
  last_used_on: string | null;
  expires_on?: string | undefined;
  not_before?: string | undefined;
}

/** A create or update body, validated. */
export type TokenWrite = z.infer<typeof tokenUpdate>;

interface TokensSection {
  tokens: Record<string, StoredToken>;
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

function adminOnly(adminToken: string | undefined): Record<string, StoredToken> {
  const id = newTag();
  const issued = now();
  return {
    [id]: {
      id,
      name: "emulator admin",
      value: adminToken ?? newTokenValue(),
      status: "active",
      superAdmin: true,
      policies: [],
      issued_on: issued,
      modified_on: issued,
      last_used_on: null,
    },
  };
}

/** Each owner's tokens carry its prefix of Cloudflare's scannable format (docs/reference/rotation-credentials.md §1.3). */
const newValue = (owner: TokenOwner) => (owner === "user" ? newUserTokenValue() : newAccountTokenValue());

export const ownerOf = (t: Readonly<StoredToken>): TokenOwner => t.owner ?? "account";

/**
 * API tokens, account-owned and the user's, and the bootstrap admin token, indexed by value for the
 * per-request check, which authenticates both owners' tokens alike.
 */
export class TokenStore {
  private tokens: Collection<StoredToken>;
  private byValue = new Map<string, StoredToken>();
  private readonly section: Section<TokensSection>;

  constructor(state: StateFile, seed: { adminToken?: string | undefined }) {
    this.section = state.section<TokensSection>(["tokens"], () => ({ tokens: this.tokens.toJSON() }));
    this.tokens = this.indexed(this.section.loaded?.tokens ?? adminOnly(seed.adminToken));
  }

  get adminToken(): string {
    const admin = this.tokens.values().find((t) => t.superAdmin);
    if (!admin) throw new Error("the emulator state has no admin token");
    return admin.value;
  }

  withValue(value: string): Readonly<StoredToken> | undefined {
    return this.byValue.get(value);
  }

  get(id: string): Readonly<StoredToken> | undefined {
    return this.tokens.get(id);
  }

  /**
   * The tokens `owner` owns. The emulator's bootstrap admin token stands for the account owner's own
   * credential, neither owner's API token, so the tokens APIs neither list nor let anyone roll or
   * delete it.
   */
  ownedBy(owner: TokenOwner): Readonly<StoredToken>[] {
    return this.tokens.values().filter((t) => !t.superAdmin && ownerOf(t) === owner);
  }

  /** A token `owner` owns, or Cloudflare's 404: one owner's API never reaches the other's tokens. */
  owned(owner: TokenOwner, id: string): Readonly<StoredToken> {
    return this.ownToken(owner, id);
  }

  create(owner: TokenOwner, body: TokenWrite): Readonly<StoredToken> {
    const at = now();
    const token: StoredToken = {
      id: newTag(),
      owner,
      name: body.name,
      value: newValue(owner),
      status: "active",
      superAdmin: false,
      policies: [],
      issued_on: at,
      modified_on: at,
      last_used_on: null,
    };
    applyWrite(token, body);
    this.tokens.set(token.id, token);
    this.byValue.set(token.value, token);
    this.section.changed();
    return token;
  }

  update(owner: TokenOwner, id: string, body: TokenWrite): Readonly<StoredToken> {
    const token = this.ownToken(owner, id);
    applyWrite(token, body);
    this.section.changed();
    return token;
  }

  delete(owner: TokenOwner, id: string): void {
    this.byValue.delete(this.ownToken(owner, id).value);
    this.tokens.remove(id);
    this.section.changed();
  }

  /** Roll: a new value; the old one stops working at once. */
  roll(owner: TokenOwner, id: string): string {
    const token = this.ownToken(owner, id);
    this.byValue.delete(token.value);
    token.value = newValue(owner);
    token.modified_on = now();
    this.byValue.set(token.value, token);
    this.section.changed();
    return token.value;
  }

  /** Bookkeeping of every authenticated request: saved with the next change, not a write per request. */
  recordUse(id: string): void {
    const token = this.tokens.get(id);
    if (token) token.last_used_on = now();
  }

  /** Only the admin token is left, with the same value. */
  reset(): void {
    this.tokens = this.indexed(adminOnly(this.adminToken));
    this.section.changed();
  }

  private ownToken(owner: TokenOwner, id: string): StoredToken {
    const token = this.tokens.get(id);
    const found = token && !token.superAdmin && ownerOf(token) === owner ? token : undefined;
    return orNotFound(found, "Token");
  }

  private indexed(record: Record<string, StoredToken>): Collection<StoredToken> {
    const tokens = new Collection("Token", record);
    this.byValue = new Map(tokens.values().map((t) => [t.value, t]));
    return tokens;
  }
}
