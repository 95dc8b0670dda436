import { expect } from "vitest";
import type { TestStack } from "./local-stack.ts";

/** Tracks that some session of the emulator's SFU still has open (there must be tracks at all). */
export async function openTracks(stack: TestStack): Promise<string[]> {
  const { sfuSessions } = (await stack.admin.state()) as {
    sfuSessions: Record<string, { id: string; tracks: { mid: string; closed: boolean }[] }>;
  };
  const tracks = Object.values(sfuSessions).flatMap((s) => s.tracks.map((t) => ({ ...t, session: s.id })));
  expect(tracks.length).toBeGreaterThan(0);
  return tracks.filter((t) => !t.closed).map((t) => `${t.session} ${t.mid}`);
}
