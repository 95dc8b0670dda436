import { type LiveInputSnapshot, STATUS_REFRESH_MS } from "./status-snapshot.ts";

/** A status change as subscribers see it; `id` is the SSE event id. */
export interface StatusEvent {
  id: string;
  snapshot: LiveInputSnapshot;
}

/** What a log keeps, and its holder persists. */
export interface StatusLogState {
  /** Random per log, so that ids from another log (e.g. before its storage was reset) are not resumed. */
  epoch: string;
  seq: number;
  /** How recent the held status is, in ns since the Unix epoch (decimal): newer news only replaces it. */
  asOfNs: string;
  snapshot: LiveInputSnapshot;
  /** The latest changes, oldest first, for `Last-Event-ID` resume. */
  recent: { seq: number; snapshot: LiveInputSnapshot }[];
}

/** What became of news about the status. */
export type ApplyOutcome = "applied" | "duplicate" | "stale";

/** Changes kept for resume: a client away for longer gets the current status instead. */
export const RESUME_WINDOW = 32;

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 time (Cloudflare's have nanoseconds) in ns since the Unix epoch; undefined if malformed. */
export function instantNs(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

export const nowNs = (nowMs = Date.now()) => BigInt(nowMs) * 1_000_000n;

/** Whether two statuses say the same thing, whenever and however they were learned. */
function sameStatus(a: LiveInputSnapshot, b: LiveInputSnapshot): boolean {
  return (
    a.state === b.state &&
    a.connected === b.connected &&
    a.enabled === b.enabled &&
    a.error?.code === b.error?.code &&
    a.error?.message === b.error?.message &&
    a.viewers === b.viewers
  );
}

/**
 * One live input's status over time: news older than what is held never overwrites it, news that
 * says the same only refreshes it, and each real change gets the next event id. A read from
 * Cloudflare is the exception: one started a refresh interval or more after the held status was
 * learned wins whatever the held status claims to be as of, so that no notification's clock (a
 * skewed or forged `updated_at`) can freeze a status against Cloudflare's own answer.
 */
export class StatusLog {
  constructor(
    private state: StatusLogState | undefined,
    private readonly newEpoch: () => string = () => crypto.randomUUID(),
  ) {}

  get snapshot(): LiveInputSnapshot | undefined {
    return this.state?.snapshot;
  }

  get current(): StatusEvent | undefined {
    return this.state && { id: this.idOf(this.state.seq), snapshot: this.state.snapshot };
  }

  toJSON(): StatusLogState | undefined {
    return this.state;
  }

  /** News as of `asOfNs`; `readStartedAtMs` when it is a read from Cloudflare, started then. */
  apply(snapshot: LiveInputSnapshot, asOfNs: bigint, readStartedAtMs?: number): ApplyOutcome {
    const state = this.state;
    if (!state) {
      this.state = {
        epoch: this.newEpoch(),
        seq: 1,
        asOfNs: String(asOfNs),
        snapshot,
        recent: [{ seq: 1, snapshot }],
      };
      return "applied";
    }
    const outranks =
      readStartedAtMs !== undefined &&
      readStartedAtMs - Date.parse(state.snapshot.checkedAt) >= STATUS_REFRESH_MS;
    if (asOfNs < BigInt(state.asOfNs) && !outranks) return "stale";
    state.asOfNs = String(asOfNs);
    if (sameStatus(state.snapshot, snapshot)) {
      state.snapshot = { ...state.snapshot, checkedAt: snapshot.checkedAt };
      return "duplicate";
    }
    state.seq += 1;
    state.snapshot = snapshot;
    state.recent = [...state.recent, { seq: state.seq, snapshot }].slice(-RESUME_WINDOW);
    return "applied";
  }

  /**
   * What a subscriber that last saw `lastEventId` missed, oldest first: nothing when it is up to
   * date, the changes since when the log still has them, else (or without an id) the current status.
   */
  since(lastEventId: string | undefined): StatusEvent[] {
    const state = this.state;
    if (!state) return [];
    const current = { id: this.idOf(state.seq), snapshot: state.snapshot };
    const [epoch, seqText] = (lastEventId ?? "").split(".");
    const seen = Number(seqText);
    if (epoch !== state.epoch || !Number.isInteger(seen) || seen > state.seq) return [current];
    if (seen === state.seq) return [];
    const missed = state.recent.filter((e) => e.seq > seen);
    if (missed[0]?.seq !== seen + 1) return [current];
    return missed.map((e) => ({ id: this.idOf(e.seq), snapshot: e.snapshot }));
  }

  private idOf(seq: number): string {
    return `${this.state!.epoch}.${seq}`;
  }
}
