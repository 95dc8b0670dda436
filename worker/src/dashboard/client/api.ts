/** A failed API call, with the Worker's error code when it answered with its envelope. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The credential was refused: the dashboard session is over. */
  get signedOut(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

type Envelope<T> = { success: true; data: T } | { success: false; error: { code: string; message: string } };

/** Calls the Worker's API with the dashboard token (or, when signing in, the tenant key). */
export async function callApi<T>(
  credential: { tenant: string; bearer: string },
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = {
    "x-tenant-id": credential.tenant,
    authorization: `Bearer ${credential.bearer}`,
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
    cache: "no-store",
  });
  let envelope: Envelope<T>;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    throw new ApiCallError(res.status, "unreadable", `The Worker answered HTTP ${res.status} without JSON`);
  }
  if (!envelope.success) throw new ApiCallError(res.status, envelope.error.code, envelope.error.message);
  return envelope.data;
}

/** API calls as the signed-in dashboard: its tenant, and whatever token it holds at the time of each call. */
export const api =
  (session: { readonly tenant: string; token(): string }) =>
  <T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown, signal?: AbortSignal) =>
    callApi<T>({ tenant: session.tenant, bearer: session.token() }, method, path, body, signal);
export type Api = ReturnType<typeof api>;

export const messageOf = (error: unknown) =>
  error instanceof ApiCallError
    ? `${error.message} (${error.code})`
    : error instanceof Error
      ? error.message
      : String(error);
