import * as z from "zod/mini";

/**
 * `z.partial` for a JSON shape: each field may be left out, and is never `undefined` when present,
 * since JSON has none. Under `exactOptionalPropertyTypes` the parsed patch can then be spread over a
 * complete object without its type claiming that a field may have been erased.
 */
export function exactPartial<Shape extends z.core.$ZodShape>(
  schema: z.ZodMiniObject<Shape>,
): z.ZodMiniObject<{ [K in keyof Shape]: z.ZodMiniExactOptional<Shape[K]> }> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [key, z.exactOptional(field)]),
  );
  return z.object(shape) as z.ZodMiniObject<{ [K in keyof Shape]: z.ZodMiniExactOptional<Shape[K]> }>;
}
