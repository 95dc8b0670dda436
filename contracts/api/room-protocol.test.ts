import { describe, expect, it } from "vitest";
import { ROOM_SERVER_MESSAGE_TYPES } from "./room-protocol.ts";
import { roomServerMessage } from "./rooms.ts";

describe("the room protocol's plain values", () => {
  it("name every message type the schema has, and no other", () => {
    const types = roomServerMessage.def.options.map((option) => option.shape.type.def.values[0]);
    expect([...ROOM_SERVER_MESSAGE_TYPES].sort()).toEqual([...types].sort());
  });
});
