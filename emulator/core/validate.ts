import type { Context } from "hono";
import * as z from "zod";
import type { Env } from "./env.ts";
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

/**
 * The request body as JSON, `undefined` when empty; read and parsed once per request, so that the
 * request log reuses what a handler parsed. A body that is not JSON throws its `SyntaxError`, for
 * each API to answer in its own words.
 */
export async function parsedJson(c: Context<Env>): Promise<unknown> {
  const cached = c.get("json");
  if (cached) return cached.value;
  const text = await c.req.text();
  const value: unknown = text.trim() === "" ? undefined : JSON.parse(text);
  c.set("json", { value });
  return value;
}

/** Reads a JSON body (empty counts as `{}`) and validates it; Cloudflare-style 400s otherwise. */
export async function jsonBody<T extends z.core.$ZodType>(c: Context<Env>, schema: T): Promise<z.infer<T>> {
  let value: unknown;
  try {
    value = await parsedJson(c);
  } catch (e) {
    if (e instanceof SyntaxError) throw cfErrors.malformedJson();
    throw e;
  }
  return parseOrThrow(schema, value ?? {});
}
