import type { Context } from "hono";
import type * as z from "zod/mini";
import { ApiError } from "./api-error.ts";
import "./zod-messages.ts";

type Location = "body" | "query" | "path";

/**
 * A union's failure told by the option that came closest, the one with the fewest issues (the first
 * of a tie), so that the answer names a field rather than saying no option matched.
 */
function closestOption(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
  const closest = issue.errors.reduce((best, option) => (option.length < best.length ? option : best));
  return closest.flatMap((inner) => closestOption({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** The first issues of a failed parse, each naming its field. */
function issuesOf(error: z.core.$ZodError, location: Location) {
  return error.issues
    .flatMap(closestOption)
    .slice(0, 10)
    .map((issue) => ({
      in: location,
      path: issue.path.map(String).join(".") || location,
      message: issue.message,
    }));
}

export function parseOrThrow<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  location: Location,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error, location);
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  throw new ApiError("invalid_request", `Invalid ${location}: ${summary}`, { details: { issues } });
}

/** The request body as JSON; an empty body reads as `{}` so that all-optional bodies may be omitted. */
export async function readJson(c: Context): Promise<unknown> {
  // Decoded by hand: the caller's Content-Type is not trusted to say what the body is.
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON");
  }
}
