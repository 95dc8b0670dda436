import type { Context } from "hono";
import * as z from "zod";
import { cfErrors } from "./errors.ts";

/** The field errors of a failed parse, as `path: message` pairs. */
export function fieldIssues(error: z.core.$ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

export function parseOrThrow<T extends z.core.$ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw cfErrors.invalidField(fieldIssues(parsed.error));
  return parsed.data;
}

/** Reads a JSON body (empty counts as `{}`) and validates it; Cloudflare-style 400s otherwise. */
export async function jsonBody<T extends z.core.$ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      throw cfErrors.malformedJson();
    }
  }
  return parseOrThrow(schema, value);
}
