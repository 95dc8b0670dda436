import * as z from "zod/mini";
import { cfSuccess } from "#contracts/cloudflare/envelope.ts";

/** `delivery`: Stream's delivery host (the account's customer host), not its API. */
export type UpstreamName = "stream" | "delivery" | "turn" | "sfu";

export type UpstreamErrorCode =
  /** The call's deadline passed: the request may or may not have been carried out. */
  | "timeout"
  /** No HTTP answer at all (connection refused, reset, DNS). */
  | "unreachable"
  | "rate_limited"
  | "server_error"
  /** 2xx, but not JSON or not the documented shape. */
  | "invalid_response"
  /** 401/403: the Worker's own credential was refused. */
  | "auth_failed"
  /** Another 4xx: Cloudflare refused the request itself. */
  | "rejected";

/**
 * A failed upstream call. `status` is the upstream's HTTP status (0 when there was none).
 * Its message never holds a URL, header or body, so it is safe to log.
 */
export class UpstreamError extends Error {
  override readonly name = "UpstreamError";

  constructor(
    readonly upstream: UpstreamName,
    readonly code: UpstreamErrorCode,
    readonly status: number,
    readonly retryable: boolean,
    readonly detail: { retryAfterSeconds?: number; upstreamCode?: string } = {},
  ) {
    super(`${upstream} upstream: ${code}${status ? ` (HTTP ${status})` : ""}`);
  }

  /** A plain copy, for crossing a Durable Object RPC boundary where class identity is lost. */
  toJSON(): UpstreamErrorShape {
    return {
      upstream: this.upstream,
      code: this.code,
      status: this.status,
      retryable: this.retryable,
      ...this.detail,
    };
  }

  static fromJSON(shape: UpstreamErrorShape): UpstreamError {
    const { upstream, code, status, retryable, ...detail } = shape;
    return new UpstreamError(upstream, code, status, retryable, detail);
  }
}

export interface UpstreamErrorShape {
  upstream: UpstreamName;
  code: UpstreamErrorCode;
  status: number;
  retryable: boolean;
  retryAfterSeconds?: number;
  upstreamCode?: string;
}

/** How an upstream wraps results and names its errors. */
export interface Protocol {
  /** The result inside a successful body; undefined when the body is not the success shape. */
  unwrap(body: unknown): { result: unknown } | undefined;
  /** The upstream's own error code in a body, if any. */
  errorCode(body: unknown): string | undefined;
  /** Whether a 2xx body is nonetheless a failure (Realtime puts `errorCode` in 200s). */
  failedDespite2xx(body: unknown): boolean;
}

const v4Success = cfSuccess(z.unknown());
const v4ErrorBody = z.object({
  errors: z.array(z.object({ code: z.number() })).check(z.minLength(1)),
});
/** Cloudflare REST v4: `{ success, errors, messages, result }`. */
export const v4Protocol: Protocol = {
  unwrap: (body) => {
    const parsed = v4Success.safeParse(body);
    return parsed.success ? { result: parsed.data.result } : undefined;
  },
  errorCode: (body) => {
    const parsed = v4ErrorBody.safeParse(body);
    return parsed.success ? String(parsed.data.errors[0]?.code) : undefined;
  },
  failedDespite2xx: () => false,
};

const realtimeErrorBody = z.object({ errorCode: z.string().check(z.regex(/^[a-z0-9_]{1,64}$/)) });
/** The Realtime API: the bare object, `errorCode` + `errorDescription` on failure. */
export const realtimeProtocol: Protocol = {
  unwrap: (body) => ({ result: body }),
  errorCode: (body) => {
    const parsed = realtimeErrorBody.safeParse(body);
    return parsed.success ? parsed.data.errorCode : undefined;
  },
  failedDespite2xx: (body) => realtimeErrorBody.safeParse(body).success,
};

/** A bare JSON answer with no envelope and no error body of its own: Stream's delivery host. */
export const bareProtocol: Protocol = {
  unwrap: (body) => ({ result: body }),
  errorCode: () => undefined,
  failedDespite2xx: () => false,
};

export interface UpstreamOptions {
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Whole-call budget, retries included. */
  deadlineMs?: number;
  maxAttempts?: number;
  /** Dice for backoff jitter, injectable for deterministic tests. */
  random?: () => number;
  /**
   * Asked before each retry, which is one more call upstream: false (the caller's budget is spent)
   * ends the call with the error of the last attempt.
   */
  admitRetry?: () => Promise<boolean>;
}

export interface UpstreamCall<T extends z.ZodMiniType> {
  method: "GET" | "POST" | "PUT";
  path: string;
  /** Validated before sending: a body that fails is a bug here, not the caller's. */
  request?: { schema: z.ZodMiniType; body: unknown };
  response: T;
  /**
   * Safe to send twice. Only such calls are retried: a POST that timed out may have been carried
   * out, and repeating it would mint or create twice.
   */
  idempotent: boolean;
}

export const UPSTREAM_DEADLINE_MS = 5_000;
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 1_000;
const RETRY_AFTER_CAP_SECONDS = 3_600;

/** `Retry-After` in seconds, from either of its forms (delta seconds or an HTTP date). */
function retryAfterSeconds(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = /^\d{1,9}$/.test(header.trim())
    ? Number(header.trim())
    : Math.ceil((Date.parse(header) - nowMs) / 1000);
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 0), RETRY_AFTER_CAP_SECONDS) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The HTTP plumbing every upstream client shares: bearer auth (none for a public endpoint), one
 * deadline per call, zod on both directions, typed errors, and jittered retries of idempotent
 * calls inside the deadline.
 */
export class UpstreamHttp {
  private readonly fetch: typeof fetch;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly admitRetry: () => Promise<boolean>;

  constructor(
    private readonly name: UpstreamName,
    private readonly baseUrl: string,
    /** Sent as `Authorization: Bearer`; undefined for an endpoint that takes no credential. */
    private readonly token: string | undefined,
    private readonly protocol: Protocol,
    options: UpstreamOptions = {},
  ) {
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.deadlineMs = options.deadlineMs ?? UPSTREAM_DEADLINE_MS;
    this.maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    this.random = options.random ?? Math.random;
    this.admitRetry = options.admitRetry ?? (async () => true);
  }

  async call<T extends z.ZodMiniType>(call: UpstreamCall<T>): Promise<z.output<T>> {
    const body = call.request ? JSON.stringify(call.request.schema.parse(call.request.body)) : undefined;
    const startedAt = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.deadlineMs);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(call, body, deadline.signal);
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          const remainingMs = this.deadlineMs - (Date.now() - startedAt);
          const waitMs =
            error.code === "rate_limited"
              ? (error.detail.retryAfterSeconds ?? 1) * 1000
              : this.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
          const retry =
            call.idempotent && error.retryable && attempt < this.maxAttempts && waitMs < remainingMs;
          if (!retry || !(await this.admitRetry())) throw error;
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private fail(code: UpstreamErrorCode, status: number, detail: UpstreamError["detail"] = {}): UpstreamError {
    const retryable = code !== "auth_failed" && code !== "rejected";
    return new UpstreamError(this.name, code, status, retryable, detail);
  }

  private async attempt<T extends z.ZodMiniType>(
    call: UpstreamCall<T>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<z.output<T>> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.baseUrl}${call.path}`, {
        method: call.method,
        headers: {
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body }),
        signal,
      });
      text = await response.text();
    } catch {
      throw this.fail(signal.aborted ? "timeout" : "unreachable", 0);
    }
    const json = parseJson(text);
    const status = response.status;
    if (response.ok) {
      if (json === undefined) throw this.fail("invalid_response", status);
      if (this.protocol.failedDespite2xx(json)) {
        const upstreamCode = this.protocol.errorCode(json);
        throw this.fail("rejected", status, upstreamCode === undefined ? {} : { upstreamCode });
      }
      const unwrapped = this.protocol.unwrap(json);
      const parsed = unwrapped && call.response.safeParse(unwrapped.result);
      if (!parsed?.success) throw this.fail("invalid_response", status);
      return parsed.data;
    }
    const upstreamCode = this.protocol.errorCode(json);
    const detail = upstreamCode === undefined ? {} : { upstreamCode };
    if (status === 429) {
      const retryAfter = retryAfterSeconds(response.headers.get("retry-after"), Date.now());
      throw this.fail("rate_limited", status, {
        ...detail,
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      });
    }
    if (status >= 500) throw this.fail("server_error", status, detail);
    if (status === 401 || status === 403) throw this.fail("auth_failed", status, detail);
    throw this.fail("rejected", status, detail);
  }
}
