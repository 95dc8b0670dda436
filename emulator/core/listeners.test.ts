import { describe, expect, it } from "vitest";
import { subscribe } from "./listeners.ts";

describe("subscribe", () => {
  const first = () => {};
  const second = () => {};

  it("unsubscribes its own listener only", () => {
    const listeners: (() => void)[] = [];
    const off = subscribe(listeners, first);
    subscribe(listeners, second);
    off();
    expect(listeners).toEqual([second]);
  });

  it("removes nothing else when unsubscribed twice", () => {
    const listeners: (() => void)[] = [];
    const off = subscribe(listeners, first);
    subscribe(listeners, second);
    off();
    off();
    expect(listeners).toEqual([second]);
  });

  it("removes nothing when its listener is gone already", () => {
    const listeners: (() => void)[] = [];
    const off = subscribe(listeners, first);
    subscribe(listeners, second);
    listeners.splice(0, 1);
    off();
    expect(listeners).toEqual([second]);
  });

  it("takes one registration of a listener added twice per unsubscribe, however often it is called", () => {
    const listeners: (() => void)[] = [];
    const off = subscribe(listeners, first);
    subscribe(listeners, first);
    off();
    off();
    expect(listeners).toEqual([first]);
  });
});
