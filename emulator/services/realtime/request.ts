import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import * as z from "zod";
import type { Env } from "../../core/env.ts";
import { fieldIssues, parsedJson } from "../../core/validate.ts";
import { realtimeErrors } from "./errors.ts";

const BEARER = /^Bearer\s+(\S+)$/i;

/** Throws 401 `unauthorized` unless the request carries `Authorization: Bearer <expected>`. */
export function requireBearer(c: Context, expected: string): void {
  const given = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
  if (!given) throw realtimeErrors.unauthorized();
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw realtimeErrors.unauthorized();
}

/** Throws 401 when there is no bearer at all, before anything is looked up. */
export function requireSomeBearer(c: Context): void {
  if (!BEARER.test(c.req.header("authorization") ?? "")) throw realtimeErrors.unauthorized();
}

/** The JSON body, `undefined` when empty; 400 `decoding_error` when it does not parse. */
export async function readJson(c: Context<Env>): Promise<unknown> {
  try {
    return await parsedJson(c);
  } catch (e) {
    if (e instanceof SyntaxError) throw realtimeErrors.decoding("the request body is not valid JSON");
    throw e;
  }
}

/** Validates against a contract; 400 `invalid_params` naming each bad field otherwise. */
export function parseParams<T extends z.core.$ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const issues = fieldIssues(parsed.error).map(({ path, message }) =>
    path ? `${path}: ${message}` : message,
  );
  throw realtimeErrors.invalidParams(issues.join("; "));
}

/** A required JSON body validated against a contract. */
export async function jsonParams<T extends z.core.$ZodType>(c: Context<Env>, schema: T): Promise<z.infer<T>> {
  const value = await readJson(c);
  if (value === undefined) throw realtimeErrors.decoding("a JSON request body is required");
  return parseParams(schema, value);
}
