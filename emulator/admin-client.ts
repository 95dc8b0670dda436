import type { EmulatorConfig } from "./core/config.ts";
import type { FaultRule, FaultRuleInput } from "./core/faults.ts";
import type { RateLimitPolicy, TokenRateCounters } from "./core/rate-limit.ts";
import type { LoggedRequest } from "./core/request-log.ts";

/** A typed client for `/__emulator/*`, for tests and scripts that drive a running emulator. */
export class EmulatorAdmin {
  constructor(
    private readonly url: string,
    private readonly adminToken: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__emulator${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as { success: boolean; result: T; errors?: { message: string }[] };
    if (!json.success) {
      throw new Error(`emulator admin ${method} ${path}: ${json.errors?.map((e) => e.message).join("; ")}`);
    }
    return json.result;
  }

  reset = () => this.call<{ reset: true }>("POST", "/reset");
  requests = (filter: { method?: string; path?: string; since?: number } = {}) =>
    this.call<LoggedRequest[]>("GET", `/requests?${new URLSearchParams(filter as Record<string, string>)}`);
  clearRequests = () => this.call("DELETE", "/requests");
  addFault = (rule: FaultRuleInput) => this.call<FaultRule>("POST", "/faults", rule);
  faults = () => this.call<FaultRule[]>("GET", "/faults");
  removeFault = (id: string) => this.call("DELETE", `/faults/${id}`);
  clearFaults = () => this.call("DELETE", "/faults");
  setLiveInputState = (uid: string, state: string | null, error?: { code: string; message: string }) =>
    this.call<{ uid: string; state: string | null }>("POST", `/live_inputs/${uid}/status`, {
      state,
      ...(error ? { error } : {}),
    });
  config = () => this.call<EmulatorConfig>("GET", "/config");
  patchConfig = (patch: Partial<Pick<EmulatorConfig, "statusShape" | "plan" | "rateLimit">>) =>
    this.call<EmulatorConfig>("PATCH", "/config", patch);
  /** Each token's use of its API budget (`GET /__emulator/rate_limit`). */
  rateLimit = () => this.call<{ policy: RateLimitPolicy; tokens: TokenRateCounters[] }>("GET", "/rate_limit");
  state = () => this.call<Record<string, unknown>>("GET", "/state");
  flushWebhooks = () => this.call("POST", "/webhooks/flush");
}
