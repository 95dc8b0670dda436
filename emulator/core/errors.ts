import type { CfMessage } from "#contracts/cloudflare/envelope.ts";

export interface CfErrorItem extends CfMessage {
  error_chain?: CfMessage[];
}

/**
 * An error the emulator answers with Cloudflare's envelope. Thrown from any handler;
 * the app's error handler turns it into the response.
 */
export class CfHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfErrorItem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join("; "));
  }
}

const FORBIDDEN_DOCS = "https://developers.cloudflare.com/fundamentals/api/troubleshooting/#403";

/** The error codes the emulator uses, named after what Cloudflare says with them. */
export const cfErrors = {
  missingAuth: () =>
    new CfHttpError(400, [
      {
        code: 6003,
        message: "Invalid request headers",
        error_chain: [{ code: 6103, message: "Invalid format for X-Auth-Key header" }],
      },
    ]),
  malformedAuth: () =>
    new CfHttpError(400, [
      {
        code: 6003,
        message: "Invalid request headers",
        error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
      },
    ]),
  invalidToken: () => new CfHttpError(401, [{ code: 1000, message: "Invalid API Token" }]),
  forbidden: () =>
    new CfHttpError(403, [{ code: 10000, message: "Forbidden", documentation_url: FORBIDDEN_DOCS }]),
  rateLimited: (retryAfterSeconds: number) =>
    new CfHttpError(
      429,
      [{ code: 10000, message: "Rate limited. Please wait and consider throttling your request speed" }],
      { "retry-after": String(retryAfterSeconds) },
    ),
  malformedJson: () => new CfHttpError(400, [{ code: 6007, message: "Malformed JSON in request body" }]),
  // The rest of the body is never read, so the connection cannot carry another request.
  tooLarge: (limit: number) =>
    new CfHttpError(413, [{ code: 10027, message: `Request body exceeds the ${limit} byte limit` }], {
      connection: "close",
    }),
  invalidField: (issues: { path: string; message: string }[]) =>
    new CfHttpError(
      400,
      issues.map((i) => ({
        code: 10021,
        message: i.path ? `${i.path}: ${i.message}` : i.message,
        source: { pointer: `/${i.path.replaceAll(".", "/")}` },
      })),
    ),
  /**
   * An account quota is full (API tokens, TURN keys). Cloudflare documents the quotas but not the
   * error that enforces them: the status and code are a guess, the code being the one the emulator
   * answers every refused, well-formed request with (10021).
   */
  quotaExceeded: (message: string) => new CfHttpError(400, [{ code: 10021, message }]),
  notFound: (what: string) => new CfHttpError(404, [{ code: 10007, message: `${what} not found` }]),
  noRoute: (path: string) =>
    new CfHttpError(404, [
      { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
    ]),
  methodNotAllowed: () => new CfHttpError(405, [{ code: 10405, message: "Method not allowed" }]),
  internal: () => new CfHttpError(500, [{ code: 10500, message: "Internal server error" }]),
};

/** The item a store found, or Cloudflare's 404 (10007) for `what`. */
export function orNotFound<T>(item: T | undefined, what: string): T {
  if (item === undefined) throw cfErrors.notFound(what);
  return item;
}
