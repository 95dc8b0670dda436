import * as z from "zod/mini";

/** One item of `errors` / `messages` in Cloudflare's v4 envelope. */
export const cfMessage = z.object({
  code: z.int().check(z.gte(1000)),
  message: z.string(),
  documentation_url: z.exactOptional(z.string()),
  source: z.exactOptional(z.object({ pointer: z.exactOptional(z.string()) })),
});
export type CfMessage = z.infer<typeof cfMessage>;

export const cfResultInfo = z.object({
  page: z.int(),
  per_page: z.int(),
  count: z.int(),
  total_count: z.int(),
  total_pages: z.exactOptional(z.int()),
});

export const cfSuccess = <T extends z.core.$ZodType>(result: T) =>
  z.object({
    success: z.literal(true),
    errors: z.array(cfMessage),
    messages: z.array(cfMessage),
    result,
    result_info: z.exactOptional(cfResultInfo),
  });

export const cfFailure = z.object({
  success: z.literal(false),
  errors: z.array(cfMessage).check(z.minLength(1)),
  messages: z.array(cfMessage),
  result: z.null(),
});
export type CfFailure = z.infer<typeof cfFailure>;

/** Either side of the envelope, for clients that must tell them apart. */
export const cfEnvelope = <T extends z.core.$ZodType>(result: T) => z.union([cfSuccess(result), cfFailure]);
