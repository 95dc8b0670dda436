import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { mintAccountToken } from "./account-token.ts";
import { EmulatorAdmin } from "./admin-client.ts";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "./server.ts";

/** Test helpers shared by the route tests: account-scoped calls, scoped tokens, leak checks. */

/** `fetch` on `/accounts/<id><path>` with a bearer token and a JSON content type. */
export const accountFetch =
  (emu: Pick<RunningEmulator, "apiBase" | "accountId" | "adminToken">) =>
  (path: string, init: RequestInit = {}, token = emu.adminToken): Promise<Response> =>
    fetch(`${emu.apiBase}/accounts/${emu.accountId}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });

/** Starts one emulator for the test file and resets it before each test. */
export function useEmulator(options?: EmulatorOptions) {
  const ctx = {} as { emu: RunningEmulator; admin: EmulatorAdmin; api: ReturnType<typeof accountFetch> };
  beforeAll(async () => {
    ctx.emu = await startEmulator(options);
    ctx.admin = new EmulatorAdmin(ctx.emu.url, ctx.emu.adminToken);
    ctx.api = accountFetch(ctx.emu);
  });
  afterAll(() => ctx.emu.close());
  beforeEach(() => ctx.admin.reset());
  return ctx;
}

/** A JSON body for `accountFetch`'s `init`. */
export const jsonInit = (method: string, body: unknown): RequestInit => ({
  method,
  body: JSON.stringify(body),
});

/** Creates, through the tokens API, a token that holds only these permissions on the emulator's account. */
export const scopedToken = (emu: RunningEmulator, permissions: string[]): Promise<string> =>
  mintAccountToken(emu, `test ${permissions.join(", ")}`, permissions);

/** No secret may show up in the admin request log or state snapshot, however it was sent. */
export async function expectHiddenFromAdmin(admin: EmulatorAdmin, secrets: string[]): Promise<void> {
  const surfaces = JSON.stringify([await admin.requests(), await admin.state()]);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(surfaces).not.toContain(secret);
  }
}
