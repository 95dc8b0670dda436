import * as z from "zod/mini";

/** Where a stack keeps these settings: `realtime-stack:deployApi` in Pulumi.<stack>.yaml. */
export const DEPLOY_API_CONFIG_KEY = "realtime-stack:deployApi";

const share = z.number().check(z.gt(0), z.lte(1));

/**
 * How the deploy token's budget (1,200 calls per 5 minutes, docs/reference/cloudflare-api.md §8) is
 * shared out, and how long one call keeps retrying. `share` paces this project's own providers
 * (every call one `pulumi up` or `refresh` makes through them, in the one provider process Pulumi
 * starts); `scriptShare` paces what smoke and rotate call directly. The rest is left to the bridged
 * @pulumi/cloudflare provider (the Worker, its secrets, tokens, notifications), which paces nothing.
 * The Worker has a token, and a budget, of its own.
 */
export const deployApiSettings = z
  .strictObject({
    share: z
      ._default(share, 0.75)
      .check(z.describe("The stack's own providers' part, per `pulumi up` or `refresh`.")),
    scriptShare: z
      ._default(share, 0.2)
      .check(z.describe("The scripts' part: smoke's and rotate's own calls.")),
    // Long enough to sit out a 5-minute block and still retry: Cloudflare blocks that long after a 429.
    retryDeadlineSeconds: z
      ._default(z.int().check(z.gte(1), z.lte(3_600)), 600)
      .check(z.describe("How long one call keeps retrying 429s, 5xx and network failures, in seconds.")),
  })
  .check(
    z.refine((s) => s.share + s.scriptShare <= 1, {
      message: "share + scriptShare must not exceed 1: both come out of the deploy token's one budget",
    }),
  );
export type DeployApiSettings = z.infer<typeof deployApiSettings>;

export const DEFAULT_DEPLOY_API: DeployApiSettings = z.parse(deployApiSettings, {});
