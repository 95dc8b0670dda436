/** Keys whose values are secrets wherever they appear in a body. */
const SECRET_KEY = /secret|key|token|value|text|passphrase|credential|password|authorization|sdp/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[…]";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && (typeof v === "string" || typeof v === "number")
          ? "[redacted]"
          : redact(v, depth + 1),
      ]),
    );
  }
  return value;
}

export interface LoggedRequest {
  seq: number;
  time: string;
  method: string;
  /** The path without the query string; path segments that are secrets (TURN usernames) are redacted. */
  path: string;
  query: Record<string, string>;
  status: number;
  durationMs: number;
  /** The id of the token used, never its value. */
  tokenId: string | null;
  body?: unknown;
  fault?: string;
}

/** A bounded ring of what the emulator received, for tests and the admin surface. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly capacity = 5000) {}

  add(entry: Omit<LoggedRequest, "seq">): void {
    this.seq += 1;
    this.entries.push({ ...entry, seq: this.seq });
    // Trimmed in batches: dropping the oldest entry on every request would move them all each time.
    if (this.entries.length >= 2 * this.capacity) this.entries = this.entries.slice(-this.capacity);
  }

  /** The newest `capacity` entries that match, oldest first. */
  list(filter: { method?: string; path?: string; since?: number } = {}): LoggedRequest[] {
    return this.entries
      .slice(-this.capacity)
      .filter(
        (e) =>
          (!filter.method || e.method === filter.method.toUpperCase()) &&
          (!filter.path || e.path.includes(filter.path)) &&
          (filter.since === undefined || e.seq > filter.since),
      );
  }

  clear(): void {
    this.entries = [];
  }
}
