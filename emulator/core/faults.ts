import * as z from "zod";
import { newUuid } from "./ids.ts";

const faultAction = z.discriminatedUnion("type", [
  /**
   * Answer with this status and a Cloudflare error envelope, or with `body` verbatim: then any status
   * from 200, so that a read can be answered as it stood before a change (an answer that lags).
   */
  z
    .object({ type: z.literal("status"), status: z.int().min(200).max(599), body: z.string().optional() })
    .refine((a) => a.body !== undefined || a.status >= 400, {
      message: "without a body, status must be 400 to 599 (answered with a Cloudflare error envelope)",
      path: ["status"],
    }),
  /** Wait, then serve the request normally. */
  z.object({ type: z.literal("latency"), ms: z.int().min(1).max(120_000) }),
  /** Never answer: the client's deadline must fire. The socket is closed after `ms` (default 10 min). */
  z.object({ type: z.literal("hang"), ms: z.int().min(1).max(600_000).optional() }),
  /** 200 with a body that is not JSON. */
  z.object({ type: z.literal("malformed") }),
  /**
   * Serve the request, so that whatever it does is done, then lose the answer: `reset` closes the
   * connection without one (a connection cut mid-answer), a 5xx status answers instead (a proxy that
   * gave up on the origin after the origin acted). The client cannot tell whether its call happened.
   */
  z.object({
    type: z.literal("lose_answer"),
    as: z.union([z.literal("reset"), z.int().min(500).max(599)]).default("reset"),
  }),
  /** 429 with `Retry-After`. */
  z.object({ type: z.literal("rate_limit"), retryAfter: z.int().min(0).max(3600).default(1) }),
  /**
   * Media, not HTTP: the local SFU drops the RTP of a published track instead of forwarding it,
   * while its API answers as usual (the SFU not forwarding). The rule's path is matched against the
   * publishing session's Realtime API path, `/v1/apps/<app id>/sessions/<session id>`, once per
   * packet some session pulls: `probability` is packet loss, `count` the packets dropped.
   */
  z.object({ type: z.literal("drop_media") }),
]);
export type FaultAction = z.infer<typeof faultAction>;
/** What a rule does to the media the SFU forwards. */
export type MediaFaultAction = Extract<FaultAction, { type: "drop_media" }>;
/** What a rule does to an HTTP request. */
export type HttpFaultAction = Exclude<FaultAction, MediaFaultAction>;

const isMedia = (action: FaultAction): action is MediaFaultAction => action.type === "drop_media";

export const faultRuleInput = z
  .object({
    /** HTTP method, or `*` for any (media rules: `*` only). */
    method: z.string().default("*"),
    /** Path glob: `*` matches one segment, `**` any number. E.g. `/v1/turn/keys/*\/credentials/**`. */
    path: z.string().min(1),
    probability: z.number().min(0).max(1).default(1),
    /** How many times the rule fires before it retires itself; absent = until removed. */
    count: z.int().min(1).optional(),
    action: faultAction,
  })
  .refine((rule) => !isMedia(rule.action) || rule.method === "*", {
    path: ["method"],
    message: "a drop_media rule applies to media, not to an HTTP method: leave method out or use *",
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
  /** How many of the rules are `drop_media`: while none is, a packet costs no scan of the HTTP ones. */
  private mediaRules = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleInput.parse(input);
    const rule = { ...parsed, method: parsed.method.toUpperCase(), id: newUuid(), fired: 0 };
    this.rules.push({ ...rule, re: globToRegExp(rule.path) });
    if (isMedia(rule.action)) this.mediaRules += 1;
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map(({ re: _re, ...rule }) => rule);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    this.mediaRules = this.rules.filter((r) => isMedia(r.action)).length;
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    this.mediaRules = 0;
  }

  /** The action to apply to this HTTP request, if a rule fires; counts the firing. */
  match(method: string, path: string): HttpFaultAction | undefined {
    const m = method.toUpperCase();
    const http = (rule: FaultRule) => !isMedia(rule.action) && (rule.method === "*" || rule.method === m);
    return this.fire(http, path) as HttpFaultAction | undefined;
  }

  /** The action to apply to one packet of the session at `path` (`/v1/apps/…/sessions/…`), if a rule fires. */
  matchMedia(path: string): MediaFaultAction | undefined {
    if (this.mediaRules === 0) return undefined;
    return this.fire((rule) => isMedia(rule.action), path) as MediaFaultAction | undefined;
  }

  private fire(applies: (rule: FaultRule) => boolean, path: string): FaultAction | undefined {
    for (const rule of this.rules) {
      if (!applies(rule) || !rule.re.test(path)) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (this.random() >= rule.probability) continue;
      rule.fired += 1;
      return rule.action;
    }
    return undefined;
  }
}
