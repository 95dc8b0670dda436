import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";

const target = z.object({ channel: z.string(), liveInputId: z.string() });
export type StreamKeyTarget = z.infer<typeof target>;

const header = z.object({
  kind: z.literal("stream-keys"),
  version: z.literal(1),
  stack: z.string(),
  startedAt: z.iso.datetime(),
  /** Every channel of the run, in the order it rotates them. */
  targets: z.array(target),
});
const event = z.discriminatedUnion("event", [
  /** About to call rotate_keys: whether it happened is read back from keysRotatedAt if the run stops here. */
  z.object({ event: z.literal("begun"), channel: z.string(), at: z.iso.datetime() }),
  z.object({ event: z.literal("done"), channel: z.string(), keysRotatedAt: z.string().optional() }),
  z.object({ event: z.literal("finished"), at: z.iso.datetime() }),
]);
type Event = z.infer<typeof event>;

export interface ChannelProgress extends StreamKeyTarget {
  state: "pending" | "begun" | "done";
  begunAt?: string;
  keysRotatedAt?: string;
}

/**
 * What a stream-key rotation has done so far, so that an interrupted run (Ctrl-C, a crash, a lost
 * connection) is continued by the next one instead of rotating a key twice. At 3,000 channels a
 * journal rewritten at every step would write gigabytes, so this one is appended to: a header line
 * naming every channel, then one line per event. A line cut short by a crash is the last one, and
 * is read as not written. It holds channel names, live input ids and times, never a credential.
 */
export class StreamKeyJournal {
  private constructor(
    readonly file: string,
    readonly stack: string,
    readonly startedAt: string,
    private readonly byChannel: Map<string, ChannelProgress>,
    private done: boolean,
  ) {}

  static fileFor(stateDir: string, stack: string): string {
    return join(stateDir, `${stack}.stream-keys.jsonl`);
  }

  /** The journal on disk, or undefined when there is none. One that does not parse is not guessed at. */
  static load(file: string, stack: string): StreamKeyJournal | undefined {
    if (!existsSync(file)) return undefined;
    const lines = readFileSync(file, "utf8").split("\n");
    const unreadable = (why: string) => new Error(`the stream-key journal ${file} is not readable: ${why}`);
    const head = header.safeParse(parseLine(lines[0] ?? ""));
    if (!head.success) throw unreadable(z.prettifyError(head.error));
    if (head.data.stack !== stack) {
      throw new Error(`the stream-key journal ${file} belongs to stack ${head.data.stack}, not ${stack}`);
    }
    const journal = new StreamKeyJournal(
      file,
      stack,
      head.data.startedAt,
      new Map(head.data.targets.map((t) => [t.channel, { ...t, state: "pending" }])),
      false,
    );
    const body = lines.slice(1);
    body.forEach((line, i) => {
      if (line === "") return;
      const parsed = event.safeParse(parseLine(line));
      // Only the last line can have been cut short by a crash while it was written.
      if (!parsed.success) {
        if (i === body.length - 1) return;
        throw unreadable(`line ${i + 2}: ${z.prettifyError(parsed.error)}`);
      }
      journal.apply(parsed.data);
    });
    return journal;
  }

  /** A new run: the file starts over with its header. */
  static start(file: string, stack: string, targets: StreamKeyTarget[]): StreamKeyJournal {
    const startedAt = new Date().toISOString();
    mkdirSync(dirname(file), { recursive: true });
    const head: z.infer<typeof header> = { kind: "stream-keys", version: 1, stack, startedAt, targets };
    writeFileSync(file, `${JSON.stringify(head)}\n`, { mode: 0o600 });
    return new StreamKeyJournal(
      file,
      stack,
      startedAt,
      new Map(targets.map((t) => [t.channel, { ...t, state: "pending" }])),
      false,
    );
  }

  get finished(): boolean {
    return this.done;
  }

  get channels(): ChannelProgress[] {
    return [...this.byChannel.values()];
  }

  begun(channel: string, at: string): void {
    this.record({ event: "begun", channel, at });
  }

  rotated(channel: string, keysRotatedAt: string | undefined): void {
    this.record({ event: "done", channel, ...(keysRotatedAt ? { keysRotatedAt } : {}) });
  }

  finish(): void {
    this.record({ event: "finished", at: new Date().toISOString() });
  }

  private record(e: Event): void {
    appendFileSync(this.file, `${JSON.stringify(e)}\n`);
    this.apply(e);
  }

  private apply(e: Event): void {
    if (e.event === "finished") {
      this.done = true;
      return;
    }
    const entry = this.byChannel.get(e.channel);
    if (!entry)
      throw new Error(`the stream-key journal ${this.file} names ${e.channel}, which its run does not`);
    if (e.event === "begun") Object.assign(entry, { state: "begun", begunAt: e.at });
    else Object.assign(entry, { state: "done", keysRotatedAt: e.keysRotatedAt });
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
