import type { Refusal } from "./limits.ts";

/** Where each listed path goes first: `user_worker` to the script, `asset_worker` (from `!/` rules) to the assets alone. */
export interface StaticRouting {
  user_worker: string[];
  asset_worker: string[];
}

/** "Too many rules" and "rule too long" in workers-shared's constants (MAX_ROUTES_RULES, MAX_ROUTES_RULE_LENGTH). */
const MAX_RULES = 100;
const MAX_RULE_LENGTH = 100;

/**
 * An upload's `assets.config.run_worker_first` list, split as Cloudflare splits it, or refused as
 * Cloudflare refuses it. The rules and messages are workers-shared's `parseStaticRouting`
 * (utils/configuration/parseStaticRouting.ts, as wrangler 4 ships it), which its comment calls a
 * copy of what Cloudflare's config service does (assets/staticrouting.go). Wrangler refuses such a
 * list before uploading, so the API's own answer is not on record: 10021, the Workers API's
 * validation code, is a guess.
 */
export function staticRouting(rules: readonly string[]): StaticRouting | Refusal {
  const refused = (message: string): Refusal => ({ code: 10021, message });
  if (rules.length === 0) {
    return refused("No `run_worker_first` rules were provided; must provide at least 1 rule.");
  }
  if (rules.length > MAX_RULES) {
    return refused(
      `Too many \`run_worker_first\` rules were provided; ${rules.length} rules provided exceeds max of ${MAX_RULES}.`,
    );
  }
  const negative = rules.filter((rule) => rule.startsWith("!/"));
  const positive = rules.filter((rule) => rule.startsWith("/"));
  const malformed = rules
    .filter((rule) => !rule.startsWith("/") && !rule.startsWith("!/"))
    .map((rule) =>
      rule.startsWith("!")
        ? `'${rule}': negative rules must start with '!/'`
        : `'${rule}': rules must start with '/' or '!/'`,
    );
  if (negative.length > 0 && positive.length === 0) {
    return refused(
      "Only negative `run_worker_first` rules were provided; must provide at least 1 non-negative rule",
    );
  }
  const invalid = [...malformed, ...invalidRules(positive), ...invalidRules(negative)];
  if (invalid.length > 0) return refused(`Invalid routes in \`run_worker_first\`:\n${invalid.join("\n")}`);
  return { user_worker: positive, asset_worker: negative.map((rule) => rule.slice(1)) };
}

/** Rules of one kind that are too long, repeated, or made redundant by a `*` rule before the same prefix. */
function invalidRules(rules: string[]): string[] {
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (rule.length > MAX_RULE_LENGTH) {
      invalid.push(`'${rule}': all rules must be less than ${MAX_RULE_LENGTH} characters in length`);
    }
    if (seen.has(rule)) invalid.push(`'${rule}': rule is a duplicate; rules must be unique`);
    if (rule.endsWith("*")) {
      const prefix = rule.slice(0, -1);
      for (const other of rules) {
        if (other !== rule && other.startsWith(prefix))
          invalid.push(`'${other}': rule '${rule}' makes it redundant`);
      }
    }
    seen.add(rule);
  }
  return invalid;
}

export const isRefusal = (routing: StaticRouting | Refusal): routing is Refusal => "code" in routing;
