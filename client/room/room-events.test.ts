import { describe, expect, it } from "vitest";
import { RoomEmitter } from "./room-events.ts";

describe("RoomEmitter", () => {
  it("delivers to every listener of the event, and no longer to one removed", () => {
    const room = new RoomEmitter();
    const seen: string[] = [];
    const off = room.on("topology", ({ topology }) => seen.push(`a:${topology}`));
    room.on("topology", ({ topology }) => seen.push(`b:${topology}`));
    room.on("warning", () => seen.push("warning"));
    room.emit("topology", { topology: "sfu" });
    off();
    room.emit("topology", { topology: "p2p" });
    expect(seen).toEqual(["a:sfu", "b:sfu", "b:p2p"]);
  });

  it("goes on delivering when an app listener throws, and rethrows outside the room", async () => {
    const room = new RoomEmitter();
    const seen: string[] = [];
    const thrown = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    room.on("message", () => {
      throw new Error("app bug");
    });
    room.on("message", ({ data }) => seen.push(String(data)));
    room.emit("message", { from: "ada", data: "hi", via: "socket" });
    expect(seen).toEqual(["hi"]);
    expect(await thrown).toEqual(new Error("app bug"));
  });
});
