import { ApiError, type BrowserClient, createBrowserClient } from "#client/browser.ts";

/** The Worker's API from this page: same origin, never from the HTTP cache. */
export const workerClient = (tenant: string): BrowserClient =>
  createBrowserClient({ tenant, init: { cache: "no-store" } });

/** API calls as the signed-in dashboard: its tenant, and whatever token it holds at the time of each call. */
export const api = (session: { readonly tenant: string; token(): string }) =>
  workerClient(session.tenant).withDashboardToken(() => session.token());
export type Api = ReturnType<typeof api>;

export const messageOf = (error: unknown) =>
  error instanceof ApiError
    ? `${error.reason} (${error.code})`
    : error instanceof Error
      ? error.message
      : String(error);
