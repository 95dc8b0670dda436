import type * as z from "zod/mini";
import { apiFailure, apiSuccess } from "#contracts/api/envelope.ts";
import { healthzData } from "#contracts/api/healthz.ts";
import { probeStatusData } from "#contracts/api/probe.ts";
import {
  type SfuSessionRequest,
  sfuSessionData,
  type TurnRequest,
  turnData,
} from "#contracts/api/realtime.ts";
import {
  channelStatus,
  type PlaybackTokenRequest,
  playbackTokenData,
  streamConnectData,
} from "#contracts/api/stream.ts";
import {
  type dataChannelsNewRequest,
  dataChannelsNewResponse,
  sessionState,
  type tracksCloseRequest,
  tracksCloseResponse,
  type tracksNewRequest,
  tracksNewResponse,
} from "#contracts/cloudflare/realtime.ts";

/** A Worker API call that did not give the documented answer: status, the API's error code, and why. */
export class WorkerApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "WorkerApiError";
  }
}

export interface TenantCredentials {
  tenant: string;
  key: string;
}

interface CallOptions {
  body?: unknown;
  /** Defaults to the tenant key; a session token for the session proxy. */
  bearer?: string;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A typed client of the Worker API (docs/spec.md §5): every answer is checked against the same zod schemas
 * the Worker validates with, and every failure names the route, the status and the API's error code.
 */
export class WorkerApi {
  constructor(
    readonly baseUrl: string,
    private readonly credentials?: TenantCredentials,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  healthz = (signal?: AbortSignal) => this.call("GET", "/healthz", healthzData, 200, { signal });

  streamStatus = (channel: string, signal?: AbortSignal) =>
    this.call("GET", `/api/stream/status?channel=${encodeURIComponent(channel)}`, channelStatus, 200, {
      signal,
    });

  /** Reads the live input from Cloudflare (never from the status cache); the answer holds ingest secrets. */
  streamConnect = (channel: string, signal?: AbortSignal) =>
    this.call("POST", "/api/stream/connect", streamConnectData, 200, { body: { channel }, signal });

  /** Playback URLs of a channel: a private channel's carry a freshly signed token. */
  playbackToken = (body: PlaybackTokenRequest, signal?: AbortSignal) =>
    this.call("POST", "/api/stream/playback-token", playbackTokenData, 200, { body, signal });

  /**
   * The probe input's status, with the stack's probe key (never a tenant's): called on an API made
   * without tenant credentials, so that the key goes alone, with no `X-Tenant-ID`.
   */
  probeStatus = (probeKey: string, signal?: AbortSignal) =>
    this.call("GET", "/api/probe/status", probeStatusData, 200, {
      bearer: probeKey,
      signal,
    });

  turn = (body: TurnRequest, signal?: AbortSignal) =>
    this.call("POST", "/api/realtime/turn", turnData, 200, { body, signal });

  sfuSession = (body: SfuSessionRequest, signal?: AbortSignal) =>
    this.call("POST", "/api/realtime/sfu", sfuSessionData, 201, { body, signal });

  sfuTracksNew = (
    session: { session_id: string; token: string },
    body: z.input<typeof tracksNewRequest>,
    signal?: AbortSignal,
  ) =>
    this.call("POST", `${sessionPath(session.session_id)}/tracks/new`, tracksNewResponse, 200, {
      body,
      bearer: session.token,
      signal,
    });

  sfuDataChannelsNew = (
    session: { session_id: string; token: string },
    body: z.input<typeof dataChannelsNewRequest>,
    signal?: AbortSignal,
  ) =>
    this.call("POST", `${sessionPath(session.session_id)}/datachannels/new`, dataChannelsNewResponse, 200, {
      body,
      bearer: session.token,
      signal,
    });

  sfuSessionGet = (session: { session_id: string; token: string }, signal?: AbortSignal) =>
    this.call("GET", sessionPath(session.session_id), sessionState, 200, { bearer: session.token, signal });

  sfuTracksClose = (
    session: { session_id: string; token: string },
    body: z.input<typeof tracksCloseRequest>,
    signal?: AbortSignal,
  ) =>
    this.call("PUT", `${sessionPath(session.session_id)}/tracks/close`, tracksCloseResponse, 200, {
      body,
      bearer: session.token,
      signal,
    });

  /** A request with exactly these headers, for checks that probe refusals. */
  async raw(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    return this.fetch(method, path, init.headers ?? {}, init.body, init.signal);
  }

  private async call<T extends z.ZodMiniType>(
    method: string,
    path: string,
    data: T,
    status: number,
    options: CallOptions,
  ): Promise<z.infer<T>> {
    const headers: Record<string, string> = {};
    if (this.credentials) {
      headers["x-tenant-id"] = this.credentials.tenant;
      headers.authorization = `Bearer ${options.bearer ?? this.credentials.key}`;
    } else if (options.bearer) {
      headers.authorization = `Bearer ${options.bearer}`;
    }
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const res = await this.fetch(method, path, headers, body, options.signal);
    const route = `${method} ${path.split("?")[0]}`;
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WorkerApiError(`${route}: HTTP ${res.status}, body is not JSON`, res.status);
    }
    const failure = apiFailure.safeParse(json);
    if (failure.success) {
      const { code, message } = failure.data.error;
      throw new WorkerApiError(`${route}: HTTP ${res.status} ${code}: ${message}`, res.status, code);
    }
    if (res.status !== status) {
      throw new WorkerApiError(`${route}: HTTP ${res.status}, expected ${status}`, res.status);
    }
    const parsed = apiSuccess(data).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WorkerApiError(
        `${route}: the answer does not match the API contract (${issue?.path.join(".")}: ${issue?.message})`,
        res.status,
      );
    }
    return (parsed.data as { data: z.infer<T> }).data;
  }

  private async fetch(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (e) {
      const route = `${method} ${path.split("?")[0]}`;
      const why =
        e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")
          ? "no answer before the deadline"
          : `cannot reach ${this.baseUrl} (${causeOf(e)})`;
      throw new WorkerApiError(`${route}: ${why}`, 0);
    }
  }
}

const sessionPath = (sessionId: string) => `/api/realtime/sfu/sessions/${encodeURIComponent(sessionId)}`;

/** undici hides the reason (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function causeOf(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
