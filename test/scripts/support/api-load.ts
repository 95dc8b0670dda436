import { createServerClient } from "#client/server.ts";

export interface LoadTenant {
  id: string;
  key: string;
  channel: string;
}

export interface LoadResult {
  served: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  failures: string[];
  durationMs: number;
  perSecond: number;
}

/**
 * A steady stream of what tenants do all day — TURN credentials, SFU sessions and status reads, in
 * turn across tenants and users — at a fixed rate, counting every answer that is not a success.
 */
export class ApiLoad {
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private startedAt = 0;
  private sent = 0;
  private served = 0;
  private failed = 0;
  private readonly failures: string[] = [];

  constructor(
    private readonly workerUrl: string,
    private readonly tenants: LoadTenant[],
  ) {}

  /** Holds the rate on average: a tick delayed by a busy event loop sends what fell due meanwhile. */
  start(perSecond: number): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - this.startedAt) / 1000) * perSecond);
      while (this.sent < due) this.fire();
    }, 10);
  }

  async stop(): Promise<LoadResult> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    const durationMs = performance.now() - this.startedAt;
    return {
      served: this.served,
      failed: this.failed,
      failures: this.failures,
      durationMs,
      perSecond: (this.served + this.failed) / (durationMs / 1000),
    };
  }

  private fire(): void {
    const n = this.sent++;
    const tenant = this.tenants[n % this.tenants.length]!;
    const api = createServerClient({ baseUrl: this.workerUrl, tenant: tenant.id, key: tenant.key });
    // Many users, so that the per-user minting limit is not what this measures.
    const user = `load-${n % 97}`;
    const calls = [
      () => api.turn({ user_id: user }),
      () => api.sfuSession({ room_id: `load-${n % 7}`, user_id: user, user_name: "Load" }),
      () => api.streamStatus({ channel: tenant.channel }),
    ];
    const call = calls[Math.floor(n / this.tenants.length) % calls.length]!;
    const request = call().then(
      () => {
        this.served += 1;
      },
      (e: Error) => {
        this.failed += 1;
        if (this.failures.length < 5) this.failures.push(e.message);
      },
    );
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }
}
