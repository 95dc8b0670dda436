import { afterEach, describe, expect, it, vi } from "vitest";
import { StateFile } from "../../core/state-file.ts";
import { StreamStore } from "../stream/store.ts";
import { Broadcasts } from "./broadcasts.ts";

function setup() {
  const stream = new StreamStore(new StateFile());
  const broadcasts = new Broadcasts(stream);
  const changes: (string | null)[] = [];
  stream.onStateChange((c) => changes.push(c.state));
  const input = stream.create({});
  const drop = vi.fn();
  const admit = (credential = input.streamKey) =>
    broadcasts.admit({ uid: input.uid, protocol: "rtmp", credential, drop });
  return { stream, broadcasts, changes, input, drop, admit };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("broadcasts", () => {
  it("admit one broadcaster per enabled input with its current credential", () => {
    const { stream, input, admit } = setup();
    expect(admit("not-the-key")).toEqual({ refused: "stale credentials" });
    expect(admit()).toMatchObject({ uid: input.uid, connected: false });
    expect(admit()).toEqual({ refused: "the live input already has a broadcaster" });
    const other = stream.create({ enabled: false });
    expect(
      new Broadcasts(stream).admit({
        uid: other.uid,
        protocol: "rtmp",
        credential: other.streamKey,
        drop: () => {},
      }),
    ).toEqual({
      refused: "the live input is disabled",
    });
  });

  it("move the input through Stream's state-change path: connected, then client_disconnect", () => {
    const { stream, broadcasts, changes, input, admit } = setup();
    const broadcast = admit();
    if ("refused" in broadcast) throw new Error(broadcast.refused);
    broadcasts.connected(broadcast);
    expect(stream.get(input.uid)?.state).toBe("connected");
    expect(stream.get(input.uid)?.ingestProtocol).toBe("rtmp");
    broadcasts.ended(broadcast);
    expect(changes).toEqual(["connected", "client_disconnect"]);
  });

  it("post an error with its code once, and no disconnection after it", () => {
    const { broadcasts, changes, admit, drop } = setup();
    const broadcast = admit();
    if ("refused" in broadcast) throw new Error(broadcast.refused);
    broadcasts.connected(broadcast);
    broadcasts.failed(broadcast, { code: "ERR_GOP_OUT_OF_RANGE", message: "too long" });
    expect(drop).toHaveBeenCalledOnce();
    broadcasts.ended(broadcast);
    expect(changes).toEqual(["connected", "failed_to_connect"]);
  });

  it("drop the broadcaster when Stream rotates its keys, disables the input or an admin flips it away", () => {
    for (const change of ["rotate", "disable", "flip"] as const) {
      const { stream, broadcasts, input, admit, drop } = setup();
      const broadcast = admit();
      if ("refused" in broadcast) throw new Error(broadcast.refused);
      broadcasts.connected(broadcast);
      if (change === "rotate") stream.rotateKeys(input.uid);
      if (change === "disable") stream.update(input.uid, { enabled: false });
      if (change === "flip") stream.setConnectionState(input.uid, "client_disconnect");
      expect(drop, change).toHaveBeenCalled();
    }
  });

  it("give the input back when no media comes within 30 s", () => {
    vi.useFakeTimers();
    const { admit, drop } = setup();
    admit();
    vi.advanceTimersByTime(29_000);
    expect(drop).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(drop).toHaveBeenCalledOnce();
  });
});
