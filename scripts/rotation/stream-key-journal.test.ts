import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StreamKeyJournal } from "./stream-key-journal.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "stream-key-journal-"));
  dirs.push(dir);
  return StreamKeyJournal.fileFor(dir, "dev");
}
const targets = [
  { channel: "acme/main", liveInputId: "a".repeat(32) },
  { channel: "acme/back", liveInputId: "b".repeat(32) },
];

describe("the stream-key journal", () => {
  it("is read back as it was written: each channel's state, and whether the run finished", () => {
    const file = journalFile();
    const journal = StreamKeyJournal.start(file, "dev", targets);
    journal.begun("acme/main", "2026-01-01T00:00:00.000Z");
    journal.rotated("acme/main", "2026-01-01T00:00:01Z");
    journal.begun("acme/back", "2026-01-01T00:00:02.000Z");
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = StreamKeyJournal.load(file, "dev")!;
    expect(again.finished).toBe(false);
    expect(again.channels.map((c) => [c.channel, c.state, c.begunAt, c.keysRotatedAt])).toEqual([
      ["acme/main", "done", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01Z"],
      ["acme/back", "begun", "2026-01-01T00:00:02.000Z", undefined],
    ]);
    again.rotated("acme/back", undefined);
    again.finish();
    expect(StreamKeyJournal.load(file, "dev")!.finished).toBe(true);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("reads a last line cut short by a crash as not written, and refuses damage anywhere else", () => {
    const file = journalFile();
    StreamKeyJournal.start(file, "dev", targets).begun("acme/main", "2026-01-01T00:00:00.000Z");
    appendFileSync(file, '{"event":"done","chan');
    expect(StreamKeyJournal.load(file, "dev")!.channels[0]!.state).toBe("begun");
    appendFileSync(file, '\n{"event":"begun","channel":"acme/back","at":"2026-01-01T00:00:03.000Z"}\n');
    expect(() => StreamKeyJournal.load(file, "dev")).toThrow(/is not readable: line 3/);
  });

  it("belongs to one stack, and names only its own channels", () => {
    const file = journalFile();
    StreamKeyJournal.start(file, "dev", targets);
    expect(() => StreamKeyJournal.load(file, "prod")).toThrow("belongs to stack dev, not prod");
    appendFileSync(file, '{"event":"begun","channel":"globex/live","at":"2026-01-01T00:00:00.000Z"}\n');
    expect(() => StreamKeyJournal.load(file, "dev")).toThrow("names globex/live, which its run does not");
    expect(StreamKeyJournal.load(join(file, "..", "none.jsonl"), "dev")).toBeUndefined();
  });
});
