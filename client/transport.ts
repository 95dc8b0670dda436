import type { ApiErrorCode } from "#contracts/api/errors.ts";
import { REQUEST_ID_HEADER } from "#contracts/api/headers.ts";
import { pathParams, ROUTE_TABLE, type RouteLine, type RouteName } from "#contracts/api/route-table.ts";
import type { AnswerCheck } from "./answer-check.ts";
import { ApiError, type ClientErrorCode, cutShort } from "./api-error.ts";
import { eventStream } from "./event-stream.ts";
import { type RetryPolicy, retryable, retryDelay, sleep } from "./retry.ts";

export interface ClientOptions {
  /** Where the Worker answers, e.g. `https://realtime.example.com`. */
  baseUrl: string;
  /** Defaults to the global `fetch`; inject one for tests, proxies or a Worker's service binding. */
  fetch?: typeof fetch;
  /** The deadline of each call, retries and their waits included. Default 10 s. */
  timeoutMs?: number;
  /** Off unless given (./retry.ts says what is retried). */
  retry?: RetryPolicy;
  /** Added to every request, e.g. `{ cache: "no-store" }` in a browser. */
  init?: Omit<RequestInit, "method" | "headers" | "body" | "signal">;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** This call's deadline instead of the client's. */
  timeoutMs?: number;
  /** This call's retry policy instead of the client's; `false` for none. */
  retry?: RetryPolicy | false;
  /** Event streams only: resume after the event with this id (`Last-Event-ID`). */
  lastEventId?: string;
}

/** How a request proves who sends it; which one depends on the route's `auth`. */
export interface Credential {
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** `Retry-After` in seconds, from either of its forms (delta seconds or an HTTP date; RFC 9110 §10.2.3). */
function retryAfterOf(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * The request a route's flat input makes: the path parameters fill the path, and the other fields
 * go where the route takes its input (route-table.ts `input`), the query string or a JSON body.
 */
export function requestOf(
  route: RouteLine,
  baseUrl: string,
  input: Record<string, unknown>,
  credential: Credential,
): { url: URL; body: string | undefined } {
  const params = pathParams(route.path);
  const path = params.reduce(
    (at, name) => at.replace(`:${name}`, encodeURIComponent(String(input[name] ?? ""))),
    route.path,
  );
  const url = new URL(path, baseUrl);
  const rest = Object.entries(input).filter(([name, value]) => !params.includes(name) && value !== undefined);
  if (route.input === "query") for (const [name, value] of rest) url.searchParams.set(name, String(value));
  for (const [name, value] of Object.entries(credential.query ?? {})) url.searchParams.set(name, value);
  const body = route.input === "body" ? JSON.stringify(Object.fromEntries(rest)) : undefined;
  return { url, body };
}

/**
 * Sends route calls: one deadline per call, the client's retry policy, and every answer checked
 * (./answer-check.ts), so that callers get the documented data or a typed ApiError.
 */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly options: ClientOptions,
    private readonly answers: AnswerCheck,
  ) {
    this.baseUrl = options.baseUrl;
    // Bound: some runtimes refuse a fetch called with another `this`.
    this.fetchImpl = options.fetch ?? fetch.bind(globalThis);
  }

  async call(
    name: RouteName,
    input: Record<string, unknown>,
    credential: Credential,
    options: CallOptions = {},
  ): Promise<unknown> {
    const route: RouteLine = ROUTE_TABLE[name];
    const { url, body } = requestOf(route, this.baseUrl, input, credential);
    if (route.produces === "websocket") {
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      return url.toString();
    }
    const label = `${route.method} ${route.path}`;
    const deadline = Date.now() + (options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const policy = options.retry === false ? undefined : (options.retry ?? this.options.retry);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(name, route, label, url, body, credential, options, deadline);
      } catch (error) {
        if (!(error instanceof ApiError) || !policy || options.signal?.aborted || !retryable(route, error))
          throw error;
        const delay = retryDelay(policy, attempt, error);
        if (delay === undefined || Date.now() + delay >= deadline) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  /**
   * A request exactly as given, for checks that send what the client would not (no key, a wrong
   * one, malformed input); any answer resolves, and only a failure to get one is an ApiError.
   */
  async raw(path: string, init: RequestInit = {}): Promise<Response> {
    const name = `${init.method ?? "GET"} ${path.split("?")[0]}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await this.fetchImpl(new URL(path, this.baseUrl), {
        ...this.options.init,
        ...init,
        signal: init.signal ? AbortSignal.any([timeout, init.signal]) : timeout,
      });
    } catch (error) {
      const ended = { deadline: timeout.aborted, signal: init.signal ?? undefined };
      const { code, reason } = cutShort(ended, undefined, `cannot reach ${this.baseUrl} (${causeOf(error)})`);
      throw new ApiError(name, code, 0, reason);
    }
  }

  private async once(
    name: RouteName,
    route: RouteLine,
    label: string,
    url: URL,
    body: string | undefined,
    credential: Credential,
    options: CallOptions,
    deadline: number,
  ): Promise<unknown> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = () => controller.abort();
    if (options.signal?.aborted) controller.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const headers: Record<string, string> = { ...credential.headers };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (route.produces === "event-stream") headers.accept = "text/event-stream";
    if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
    let streaming = false;
    const failed = (code: ClientErrorCode, status: number, message: string, requestId?: string) =>
      new ApiError(label, code, status, message, requestId ? { requestId } : {});
    const cut = (status: number, part: string | undefined, network: string, requestId?: string) => {
      const { code, reason } = cutShort({ deadline: timedOut, signal: options.signal }, part, network);
      return failed(code, status, reason, requestId);
    };
    try {
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          ...this.options.init,
          method: route.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: controller.signal,
        });
      } catch (error) {
        throw cut(0, undefined, `cannot reach ${url.origin} (${causeOf(error)})`);
      }
      const requestId = res.headers.get(REQUEST_ID_HEADER) ?? undefined;
      if (res.ok && route.produces === "event-stream" && res.body) {
        // The deadline was for the answer; the stream then lives until closed or aborted.
        clearTimeout(timer);
        streaming = true;
        return eventStream({
          body: res.body,
          check: (data) => this.answers.data(name, data),
          controller,
          signal: options.signal,
          failed: (code, message) => failed(code, res.status, message, requestId),
          requestId,
          ended: () => options.signal?.removeEventListener("abort", onAbort),
        });
      }
      const text = await res.text().catch(() => {
        throw cut(res.status, "the answer", "the answer was cut off", requestId);
      });
      if (res.status === route.status && route.produces === "html") return text;
      const retryAfter = retryAfterOf(res.headers.get("retry-after"));
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        // Not the Worker's answer: an error page from in front of it (Cloudflare's edge, a proxy, a
        // firewall's 429), whose status and Retry-After still say when to ask again (retry.ts).
        throw new ApiError(label, "invalid_response", res.status, "the answer is not JSON", {
          ...(retryAfter === undefined ? {} : { retryAfter }),
          ...(requestId ? { requestId } : {}),
        });
      }
      const failure = this.answers.failure(json);
      if (failure) {
        const { code, message, details } = failure;
        // The Worker's codes are contracts/api/errors.ts's; the server entry's check holds it to them.
        throw new ApiError(label, code as ApiErrorCode, res.status, message, {
          ...(retryAfter === undefined ? {} : { retryAfter }),
          ...(requestId ? { requestId } : {}),
          ...(details === undefined ? {} : { details }),
        });
      }
      if (res.status !== route.status) {
        throw failed("invalid_response", res.status, `expected HTTP ${route.status}`, requestId);
      }
      const data =
        route.envelope === false ? json : (json as { success?: unknown; data?: unknown } | null)?.data;
      const checked = this.answers.data(name, data);
      if (!checked.ok || (route.envelope !== false && (json as { success?: unknown }).success !== true)) {
        const issue = checked.ok ? undefined : checked.issue;
        throw failed(
          "invalid_response",
          res.status,
          `the answer does not match the API contract${issue ? ` (${issue})` : ""}`,
          requestId,
        );
      }
      return checked.value;
    } finally {
      clearTimeout(timer);
      if (!streaming) options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** undici hides the reason (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function causeOf(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
