import * as z from "zod/mini";
import { apiErrorCode } from "./errors.ts";

export const apiError = z.object({
  code: apiErrorCode,
  message: z.string(),
  details: z.exactOptional(z.unknown()),
});
export type ApiErrorBody = z.infer<typeof apiError>;

/** The failure side of the envelope (docs/spec.md §5). */
export const apiFailure = z.object({ success: z.literal(false), error: apiError });

/** The success side of the envelope around a route's `data`. */
export const apiSuccess = <T extends z.core.$ZodType>(data: T) =>
  z.object({ success: z.literal(true), data });

/** Either side, for clients that must tell them apart. */
export const apiEnvelope = <T extends z.core.$ZodType>(data: T) => z.union([apiSuccess(data), apiFailure]);

/** An incoming `x-request-id` (contracts/api/headers.ts) is kept only if it has this shape. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
