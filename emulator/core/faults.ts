import * as z from "zod";
import { newUuid } from "./ids.ts";

const faultAction = z.discriminatedUnion("type", [
  /** Answer with this status and a Cloudflare error envelope (or `body` verbatim). */
  z.object({ type: z.literal("status"), status: z.int().min(400).max(599), body: z.string().optional() }),
  /** Wait, then serve the request normally. */
  z.object({ type: z.literal("latency"), ms: z.int().min(1).max(120_000) }),
  /** Never answer: the client's deadline must fire. The socket is closed after `ms` (default 10 min). */
  z.object({ type: z.literal("hang"), ms: z.int().min(1).max(600_000).optional() }),
  /** 200 with a body that is not JSON. */
  z.object({ type: z.literal("malformed") }),
  /** 429 with `Retry-After`. */
  z.object({ type: z.literal("rate_limit"), retryAfter: z.int().min(0).max(3600).default(1) }),
]);
export type FaultAction = z.infer<typeof faultAction>;

export const faultRuleInput = z.object({
  /** HTTP method, or `*` for any. */
  method: z.string().default("*"),
  /** Path glob: `*` matches one segment, `**` any number. E.g. `/v1/turn/keys/*\/credentials/**`. */
  path: z.string().min(1),
  probability: z.number().min(0).max(1).default(1),
  /** How many times the rule fires before it retires itself; absent = until removed. */
  count: z.int().min(1).optional(),
  action: faultAction,
});
export type FaultRuleInput = z.input<typeof faultRuleInput>;
export type FaultRule = z.infer<typeof faultRuleInput> & { id: string; fired: number };

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const pattern = escaped.replaceAll("**", "\u0000").replaceAll("*", "[^/]*").replaceAll("\u0000", ".*");
  return new RegExp(`^${pattern}$`);
}

/** Fault rules matched in the order they were added; the first one that fires wins. */
export class FaultRules {
  private rules: (FaultRule & { re: RegExp })[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleInput.parse(input);
    const rule = { ...parsed, method: parsed.method.toUpperCase(), id: newUuid(), fired: 0 };
    this.rules.push({ ...rule, re: globToRegExp(rule.path) });
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map(({ re: _re, ...rule }) => rule);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The action to apply to this request, if a rule fires; counts the firing. */
  match(method: string, path: string): FaultAction | undefined {
    for (const rule of this.rules) {
      if (rule.method !== "*" && rule.method !== method.toUpperCase()) continue;
      if (!rule.re.test(path)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (this.random() >= rule.probability) continue;
      rule.fired += 1;
      return rule.action;
    }
    return undefined;
  }
}
