import { API_ERRORS, type ApiErrorCode } from "#contracts/api/errors.ts";

/**
 * An error the Worker answers with its envelope. Thrown anywhere; the app's error handler turns
 * it into the response. `message` and `details` go to the caller, so they never hold a secret.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options: { status?: number; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = options.status ?? API_ERRORS[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}
