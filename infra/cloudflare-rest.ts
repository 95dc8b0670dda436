import * as z from "zod/mini";
import { cfMessage } from "#contracts/cloudflare/envelope.ts";

/** A Cloudflare REST failure: the first error's code, the HTTP status, and whether retrying may help. */
export class CloudflareApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "CloudflareApiError";
  }
}

export interface CloudflareRestOptions {
  /** e.g. `https://api.cloudflare.com/client/v4` or the emulator's `/client/v4`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Deadline per call, in ms. */
  timeoutMs?: number;
}

const failure = z.object({ success: z.literal(false), errors: z.array(z.looseObject(cfMessage.shape)) });
const success = z.object({ success: z.literal(true), result: z.unknown() });

/**
 * The REST v4 client the scripts and the local engine use: the envelope unwrapped, the result
 * validated with the caller's schema, and one typed error for every way a call can fail.
 */
export class CloudflareRest {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: CloudflareRestOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async call<T extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: T,
    body?: unknown | FormData,
  ): Promise<z.infer<T>> {
    const isForm = body instanceof FormData;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined || isForm ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === "TimeoutError";
      throw new CloudflareApiError(
        `${method} ${path}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : "network error"}`,
        timedOut ? "timeout" : "network",
        0,
        true,
      );
    }
    const retryable = res.status === 429 || res.status >= 500;
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw new CloudflareApiError(
        `${method} ${path}: HTTP ${res.status}, body is not JSON`,
        "malformed",
        res.status,
        retryable,
      );
    }
    const failed = failure.safeParse(json);
    if (failed.success || !res.ok) {
      const first = failed.success ? failed.data.errors[0] : undefined;
      throw new CloudflareApiError(
        `${method} ${path}: HTTP ${res.status}${first ? ` ${first.code} ${first.message}` : ""}`,
        first ? String(first.code) : `http_${res.status}`,
        res.status,
        retryable,
      );
    }
    const envelope = success.safeParse(json);
    const result = envelope.success ? z.safeParse(schema, envelope.data.result) : undefined;
    if (!result?.success) {
      throw new CloudflareApiError(
        `${method} ${path}: unexpected response shape`,
        "malformed",
        res.status,
        false,
      );
    }
    return result.data;
  }
}
