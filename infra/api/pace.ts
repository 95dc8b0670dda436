import { abortableSleep } from "./backoff.ts";
import type { RateLimitSignals } from "./rate-limit-headers.ts";

/**
 * Cloudflare's per-token budget until a response states another: 1,200 requests per 5 minutes
 * (docs/reference/cloudflare-api.md §8). Going over it blocks every call for the next 5 minutes,
 * which is why calls are paced below it rather than retried after a 429.
 */
export const DEFAULT_QUOTA = { requests: 1_200, windowMs: 300_000 } as const;

/**
 * Calls one process starts in any second, at most. Cloudflare also limits the API to 200 requests
 * per second per IP (developers.cloudflare.com/fundamentals/api/reference/limits/), and a window's
 * whole share at once (900 creates when a 1,000-tenant `up` opens a new window) would be refused.
 * Half of it leaves room for a script run beside `pulumi up` from the same machine.
 */
export const CALLS_PER_SECOND = 100;
const SECOND_MS = 1_000;

/**
 * The part of the token's budget a pace leaves unspent by what the server says is left. An answer
 * counts the calls the server had seen when it sent it, not those already on their way: this
 * process's over one round trip (at 100 a second, a few dozen) and others' on the same token,
 * among them the bridged @pulumi/cloudflare provider's, which paces nothing and has the 5% that
 * api/deploy-api.ts's two shares leave. 5% of 1,200 is 60 calls.
 */
const IN_FLIGHT_RESERVE = 0.05;

/**
 * What this copy's pace does, numbered: 2 added the cap per second and what the server says is
 * left. The provider host may evaluate copies of this module of different ages (see
 * `processPace`), which share one pace; the newest copy to ask for it upgrades an older one's in
 * place.
 */
const BEHAVIOUR = 2;

export interface PaceClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PaceClock = { now: () => Date.now(), sleep: abortableSleep };

/**
 * A sliding-window pace: a call may start only while fewer than `limit` calls started in the
 * window before it, so that no span of `windowMs` ever holds more than `limit` starts, whatever the
 * arrival pattern, and no second more than `CALLS_PER_SECOND`. `limit` is a share of the token's
 * quota. Calls wait in arrival order. A hold (a 429's Retry-After, or a response saying the budget
 * is spent) stops every call until it ends: the budget is the token's, not one call's.
 */
export class ApiPace {
  readonly behaviour: number = BEHAVIOUR;
  /** Start times of the calls in the current window, oldest first (from `head` on). */
  private starts: number[] = [];
  private head = 0;
  private heldUntil = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private quota: { requests: number; windowMs: number } = DEFAULT_QUOTA;
  /**
   * What the latest response said is left of the token's budget, whoever spent it, until its window
   * resets, and how many calls this pace started since. Another process's calls on the same token
   * (the previous `pulumi up`'s provider host, a script) count there and nowhere else.
   */
  private server: { remaining: number; resetAt: number; startedSince: number } | undefined;

  constructor(
    private share: number,
    private readonly clock: PaceClock = realClock,
  ) {}

  /**
   * Gives a pace made by an older copy of this module this copy's behaviour, keeping its calls in
   * the window and its hold, so that every holder of it, whichever copy made it, paces by the
   * newest rules from its next call on (a call already waiting finishes by the old ones). Older
   * copies read and write the fields by these names, so they never change; a field a behaviour
   * adds is set here to what the constructor gives it.
   */
  static upgrade(older: ApiPace): void {
    Object.setPrototypeOf(older, ApiPace.prototype);
    Object.assign(older, { behaviour: BEHAVIOUR, server: undefined });
  }

  /** At least one call per window, so that a tiny share still moves. */
  get limit(): number {
    return Math.max(1, Math.floor(this.quota.requests * this.share));
  }

  get windowMs(): number {
    return this.quota.windowMs;
  }

  setShare(share: number): void {
    this.share = share;
  }

  /** Waits for this call's turn, then counts it. Rejects if `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** No call starts before `untilMs` (the later of this and any earlier hold wins). */
  holdUntil(untilMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, untilMs);
  }

  /** What a response said: the quota it states, and a hold when the budget is spent or a 429 asks for one. */
  observe(signals: RateLimitSignals, status: number): void {
    const now = this.clock.now();
    if (signals.quota) this.quota = signals.quota;
    if (signals.remaining) {
      const said = {
        remaining: signals.remaining.calls,
        resetAt: now + signals.remaining.resetMs,
        startedSince: 0,
      };
      // Answers overtake one another: within one window, a higher count is older news.
      const known = this.server;
      const sameWindow =
        known && now < known.resetAt && Math.abs(known.resetAt - said.resetAt) < 2 * SECOND_MS;
      if (!sameWindow || said.remaining < known.remaining - known.startedSince) this.server = said;
    }
    if (status === 429) {
      const wait = signals.retryAfterMs ?? signals.remaining?.resetMs;
      if (wait !== undefined) this.holdUntil(now + wait);
    }
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      // A start exactly one window ago shares no window with a start now.
      while (this.head < this.starts.length && this.starts[this.head]! <= now - this.windowMs) this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.starts.length) {
        this.starts = this.starts.slice(this.head);
        this.head = 0;
      }
      const inWindow = this.starts.length - this.head;
      // When full, wait until the start that would make one too many leaves the window, and the
      // same for the last second's starts.
      const windowWait =
        inWindow >= this.limit ? this.starts[this.starts.length - this.limit]! + this.windowMs - now : 0;
      const secondWait =
        inWindow >= CALLS_PER_SECOND
          ? this.starts[this.starts.length - CALLS_PER_SECOND]! + SECOND_MS - now
          : 0;
      // Going over the token's budget blocks every call for five minutes: when what the server
      // says is left is spent down to the calls it may not have counted yet, wait for its reset.
      const server = this.server && now < this.server.resetAt ? this.server : undefined;
      const reserve = Math.floor(this.quota.requests * IN_FLIGHT_RESERVE);
      const serverWait =
        server && server.remaining - server.startedSince <= reserve ? server.resetAt - now : 0;
      const wait = Math.max(windowWait, secondWait, serverWait, this.heldUntil - now);
      if (wait <= 0) {
        this.starts.push(now);
        if (server) server.startedSince += 1;
        return;
      }
      await this.clock.sleep(wait, signal);
    }
  }
}

const PROCESS_PACE = Symbol.for("realtime-stack.api-pace.v1");

/**
 * The one pace of this process, whoever asks: every provider of every copy of the provider code
 * the dynamic-provider host evaluated (the checkout's, built once, see
 * ../providers/serialized-provider.ts, and each packed copy that a state written before the stub,
 * 7 December 2026, still holds), or a script's every client. Kept on globalThis for that reason.
 * Copies of different ages call the same methods, so they share one pace; once a copy of this age
 * asks for it, a pace an older copy made is upgraded to this behaviour (a packed copy paces by
 * neither the second nor the server's count). The symbol's version changes only if a method's
 * shape ever does.
 */
export function processPace(share: number): ApiPace {
  const host = globalThis as { [PROCESS_PACE]?: ApiPace };
  let pace = host[PROCESS_PACE];
  if (!pace) pace = host[PROCESS_PACE] = new ApiPace(share);
  // A packed copy's pace has no `behaviour` at all: that is behaviour 1.
  else if (((pace as { behaviour?: number }).behaviour ?? 1) < BEHAVIOUR) ApiPace.upgrade(pace);
  pace.setShare(share);
  return pace;
}
