import { describe, expect, it } from "vitest";
import { instantNs, nowNs, RESUME_WINDOW, StatusLog } from "./status-log.ts";
import { type LiveInputSnapshot, STATUS_REFRESH_MS } from "./status-snapshot.ts";

const snapshot = (state: string | null, checkedAt = "2026-01-01T00:00:00.000Z"): LiveInputSnapshot => ({
  liveInputId: "0".repeat(32),
  state,
  connected: state === "connected",
  enabled: true,
  checkedAt,
});
const newLog = () => new StatusLog(undefined, () => "epoch");

describe("instantNs", () => {
  it("reads RFC 3339 times down to the nanosecond, with any offset", () => {
    expect(instantNs("2026-01-01T00:00:00Z")).toBe(1_767_225_600_000_000_000n);
    expect(instantNs("2026-01-01T00:00:00.123456789Z")).toBe(1_767_225_600_123_456_789n);
    expect(instantNs("2026-01-01T01:00:00.5+01:00")).toBe(1_767_225_600_500_000_000n);
  });

  it("refuses anything else", () => {
    for (const bad of ["", "yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z"]) {
      expect(instantNs(bad), bad).toBeUndefined();
    }
  });
});

describe("StatusLog", () => {
  it("numbers each change, and only changes", () => {
    const log = newLog();
    expect(log.apply(snapshot(null), 1n)).toBe("applied");
    expect(log.apply(snapshot("connected"), 2n)).toBe("applied");
    expect(log.current?.id).toBe("epoch.2");
    expect(log.apply(snapshot("connected", "2026-01-01T00:00:09.000Z"), 3n)).toBe("duplicate");
    expect(log.current).toEqual({
      id: "epoch.2",
      snapshot: snapshot("connected", "2026-01-01T00:00:09.000Z"),
    });
  });

  it("never lets older news overwrite newer", () => {
    const log = newLog();
    log.apply(snapshot("disconnected"), 20n);
    expect(log.apply(snapshot("connected"), 10n)).toBe("stale");
    expect(log.snapshot?.state).toBe("disconnected");
  });

  it("lets a read from Cloudflare outrank a held status once that is a refresh interval old", () => {
    const log = newLog();
    const learnedAt = Date.parse("2026-01-01T00:00:00.000Z");
    // A notification that claims a time far ahead (2099), learned at `learnedAt`.
    log.apply(snapshot("connected"), instantNs("2099-01-01T00:00:00Z")!);
    // A read started within the refresh interval of it is older news: it races the notification.
    expect(log.apply(snapshot("disconnected"), nowNs(learnedAt + 5_000), learnedAt + 5_000)).toBe("stale");
    // One started a refresh interval later is Cloudflare's word now: it wins, and the clock resets.
    const readAt = learnedAt + STATUS_REFRESH_MS;
    expect(log.apply(snapshot("disconnected", new Date(readAt).toISOString()), nowNs(readAt), readAt)).toBe(
      "applied",
    );
    expect(log.snapshot?.state).toBe("disconnected");
    // Notifications are ordered by their own times again.
    expect(log.apply(snapshot("connected"), nowNs(readAt + 1_000))).toBe("applied");
  });

  it("resumes after a Last-Event-ID with exactly the changes missed", () => {
    const log = newLog();
    for (const [i, state] of ["a", "b", "c", "d"].entries()) log.apply(snapshot(state), BigInt(i));
    expect(log.since("epoch.4")).toEqual([]);
    expect(log.since("epoch.2").map((e) => [e.id, e.snapshot.state])).toEqual([
      ["epoch.3", "c"],
      ["epoch.4", "d"],
    ]);
  });

  it("sends the current status to a client without a usable Last-Event-ID", () => {
    const log = newLog();
    for (let i = 0; i < RESUME_WINDOW + 5; i++) log.apply(snapshot(`s${i}`), BigInt(i));
    const current = [log.current];
    expect(log.since(undefined)).toEqual(current);
    expect(log.since("another-epoch.3")).toEqual(current);
    expect(log.since("epoch.999")).toEqual(current);
    expect(log.since("epoch.x")).toEqual(current);
    // Older than the resume window: the changes in between are gone.
    expect(log.since("epoch.1")).toEqual(current);
  });

  it("round-trips through its persisted state", () => {
    const log = newLog();
    log.apply(snapshot("connected"), 5n);
    const restored = new StatusLog(structuredClone(log.toJSON()));
    expect(restored.current).toEqual(log.current);
    expect(restored.apply(snapshot("disconnected"), 4n)).toBe("stale");
  });
});
