import * as z from "zod/mini";
import { cfMessage } from "#contracts/cloudflare/envelope.ts";
import { abortableSleep, type BackoffOptions, backoffDelay } from "./api/backoff.ts";
import type { ApiPace, PaceClock } from "./api/pace.ts";
import { readRateLimitHeaders } from "./api/rate-limit-headers.ts";

/** A Cloudflare REST failure: the first error's code, the HTTP status, and whether retrying may help. */
export class CloudflareApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly retryable: boolean,
    /**
     * A call that changes something (a POST) failed in a way that does not say whether Cloudflare
     * carried it out: no answer, a reset connection, a 5xx, an unreadable success. Retrying it
     * blindly may do it twice; the caller must look first (api/only-once.ts).
     */
    readonly outcomeUnknown = false,
    /** How long the answer asked us to wait (a 429's Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "CloudflareApiError";
  }
}

export const isOutcomeUnknown = (e: unknown) => e instanceof CloudflareApiError && e.outcomeUnknown;

/** Retries: a 429 after the wait it asks for, 5xx and network failures with backoff, all within a deadline. */
export interface RetryPolicy {
  /**
   * How long one call may keep retrying, in ms, counted from its first attempt: the waits a 429
   * asks for count, waiting for the pace (a full window, other calls ahead) does not.
   */
  deadlineMs: number;
  /** At most this many attempts in all, as an SDK's `maxRetries` + 1; unbounded within the deadline without it. */
  maxAttempts?: number;
  /** Backoff between attempts after a 5xx or a network failure (default 0.5 s doubling to 8 s, as the SDK's). */
  backoff?: BackoffOptions;
  /** Injectable time, so that tests wait for nothing. */
  clock?: PaceClock;
}

export interface CloudflareRestOptions {
  /** e.g. `https://api.cloudflare.com/client/v4` or the emulator's `/client/v4`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Deadline per attempt, in ms. */
  timeoutMs?: number;
  /** Every attempt waits for its turn here, and reports what the answer said about the budget. */
  pace?: ApiPace;
  /** Without one, every call is a single attempt. */
  retry?: RetryPolicy;
}

export interface CallOptions {
  /** Ends the waits (pace, retry) and the attempt in flight. */
  signal?: AbortSignal;
  /** The bearer token of this one call instead of the client's, as an assets upload session's token is. */
  token?: string;
  /**
   * Not to be repeated though its method is idempotent: a token roll destroys the credential it is
   * sent with, so a second attempt after a lost answer is refused and the new value is lost. Such a
   * call is treated as a POST (retried only when unsent or rate limited, its outcome otherwise unknown).
   */
  once?: boolean;
}

const failure = z.object({ success: z.literal(false), errors: z.array(z.looseObject(cfMessage.shape)) });
const success = z.object({ success: z.literal(true), result: z.unknown() });

/** RFC 9110 §9.2.2: doing these twice is doing them once. */
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Errors from a connection that never got as far as sending the request (undici's fetch reports
 * them as a TypeError whose `cause` has the socket's code): retrying them is safe for any method.
 */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** cloudflare-typescript src/client.ts `calculateDefaultRetryTimeoutMillis`: 0.5 s doubling to 8 s. */
const SDK_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8_000 };

const realClock: PaceClock = { now: () => Date.now(), sleep: abortableSleep };

type Failure = { error: CloudflareApiError; notSent?: boolean };

/** The last failure, saying how long the call kept trying (and, after a 429, how long it was asked to wait). */
function gaveUp(error: CloudflareApiError, attempts: number, spentMs: number, askedMs?: number) {
  const asked = askedMs === undefined ? "" : `; Cloudflare asked for ${Math.ceil(askedMs / 1000)} s more`;
  return new CloudflareApiError(
    `${error.message} (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} in ${Math.round(spentMs / 1000)} s${asked})`,
    error.code,
    error.status,
    error.retryable,
    error.outcomeUnknown,
    error.retryAfterMs,
  );
}

/** How long a call waits for its answer unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The REST v4 client the providers, the scripts and the local engine use: the envelope unwrapped,
 * the result validated with the caller's schema, one typed error for every way a call can fail,
 * and, when asked, a pace and retries that never repeat a call that may have been carried out.
 */
export class CloudflareRest {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly clock: PaceClock;

  constructor(private readonly options: CloudflareRestOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.retry?.clock ?? realClock;
  }

  /** The pace this client's calls wait for, for callers that plan around it (how long N calls take). */
  get pace(): ApiPace | undefined {
    return this.options.pace;
  }

  async call<T extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: T,
    body?: unknown | FormData,
    options: CallOptions = {},
  ): Promise<z.infer<T>> {
    const { pace, retry } = this.options;
    const idempotent = !options.once && IDEMPOTENT.has(method.toUpperCase());
    let firstStarted = 0;
    let paced = 0;
    for (let attempt = 1; ; attempt += 1) {
      const queued = this.clock.now();
      await pace?.acquire(options.signal);
      const started = this.clock.now();
      // Waiting for the pace is not failing: only the time spent on failures counts.
      if (attempt === 1) firstStarted = started;
      else paced += started - queued;
      const outcome = await this.attempt(method, path, schema, body, options, !idempotent);
      if (!("error" in outcome)) return outcome.value;
      const { error, notSent } = outcome;
      if (options.signal?.aborted) throw options.signal.reason;
      const rateLimited = error.status === 429;
      if (!retry || !(rateLimited || notSent || (error.retryable && idempotent))) throw error;
      const backoff = backoffDelay(attempt, { ...SDK_BACKOFF, ...retry.backoff });
      const wait = rateLimited ? (error.retryAfterMs ?? backoff) : backoff;
      const spent = this.clock.now() - firstStarted - paced;
      if (spent + wait > retry.deadlineMs || attempt === retry.maxAttempts)
        throw gaveUp(error, attempt, spent, rateLimited ? wait : undefined);
      await this.clock.sleep(wait, options.signal);
    }
  }

  /**
   * Waits as this client waits before a failed call's attempt `attempt + 1` (the SDK's backoff),
   * for a caller that repeats a call itself: a create reconciled after a lost answer.
   */
  async backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const { retry } = this.options;
    if (retry) await this.clock.sleep(backoffDelay(attempt, { ...SDK_BACKOFF, ...retry.backoff }), signal);
  }

  private async attempt<T extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: T,
    body: unknown,
    { signal, token = this.options.token }: CallOptions,
    /** Whether it changes something, so that a lost answer leaves its outcome unknown. */
    unknownIfChanging: boolean,
  ): Promise<{ value: z.infer<T> } | Failure> {
    const isForm = body instanceof FormData;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined || isForm ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: isForm ? body : JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (e) {
      const timedOut = timeout.aborted;
      const code = (e as { cause?: { code?: string } }).cause?.code;
      const notSent = code !== undefined && NOT_SENT.has(code);
      return {
        notSent,
        error: new CloudflareApiError(
          `${method} ${path}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : `network error${code ? ` (${code})` : ""}`}`,
          timedOut ? "timeout" : "network",
          0,
          true,
          unknownIfChanging && !notSent,
        ),
      };
    }
    const signals = readRateLimitHeaders(res.headers, this.clock.now());
    this.options.pace?.observe(signals, res.status);
    const retryable = res.status === 429 || res.status >= 500;
    // Only a 429 says for sure that nothing was done; a 5xx may come after Cloudflare acted.
    const unknown = unknownIfChanging && res.status >= 500;
    const text = await res.text().catch(() => undefined);
    // A delete's answer has no declared body for some of Cloudflare's objects (a Stream live input,
    // an output, a video), and the official SDK reads none: it sends `Accept: */*` and returns
    // void (docs/reference/cloudflare-api.md §1.1). An empty success is that object deleted.
    if (res.ok && method === "DELETE" && text?.trim() === "") {
      const nothing = z.safeParse(schema, undefined);
      if (nothing.success) return { value: nothing.data };
    }
    let json: unknown;
    try {
      if (text === undefined) throw new Error("the body could not be read");
      json = JSON.parse(text);
    } catch {
      return {
        error: new CloudflareApiError(
          `${method} ${path}: HTTP ${res.status}, body is not JSON`,
          "malformed",
          res.status,
          retryable,
          unknown || (unknownIfChanging && res.ok),
          signals.retryAfterMs,
        ),
      };
    }
    const failed = failure.safeParse(json);
    if (failed.success || !res.ok) {
      const first = failed.success ? failed.data.errors[0] : undefined;
      return {
        error: new CloudflareApiError(
          `${method} ${path}: HTTP ${res.status}${first ? ` ${first.code} ${first.message}` : ""}`,
          first ? String(first.code) : `http_${res.status}`,
          res.status,
          retryable,
          unknown,
          signals.retryAfterMs,
        ),
      };
    }
    const envelope = success.safeParse(json);
    const result = envelope.success ? z.safeParse(schema, envelope.data.result) : undefined;
    if (!result?.success) {
      return {
        error: new CloudflareApiError(
          `${method} ${path}: unexpected response shape`,
          "malformed",
          res.status,
          false,
          unknownIfChanging,
        ),
      };
    }
    return { value: result.data };
  }
}
