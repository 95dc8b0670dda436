import { chalk } from "zx";

export type RowStatus = "pending" | "running" | "retrying" | "passed" | "warning" | "failed" | "skipped";

/** One line of progress: a check, or a step of a rotation. */
export interface ProgressRow {
  name: string;
  status: RowStatus;
  attempts: number;
  durationMs?: number;
  /** What is happening, or why it failed. Never a secret. */
  detail?: string;
  /** For a row that stands for many steps: how many are done, of how many when known. */
  count?: { done: number; total?: number };
}

const formatCount = (count: ProgressRow["count"]) =>
  count === undefined
    ? ""
    : `${count.done.toLocaleString("en-US")}${count.total === undefined ? " done" : `/${count.total.toLocaleString("en-US")}`}`;

export interface Progress {
  set(row: ProgressRow): void;
  /** A line that belongs to no row (e.g. a summary header). */
  note(line: string): void;
  close(): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ICON: Record<RowStatus, string> = {
  pending: chalk.dim("·"),
  running: "",
  retrying: chalk.yellow("↻"),
  passed: chalk.green("✓"),
  warning: chalk.yellow("!"),
  failed: chalk.red("✗"),
  skipped: chalk.dim("-"),
};
const COLOR: Record<RowStatus, (s: string) => string> = {
  pending: chalk.dim,
  running: chalk.cyan,
  retrying: chalk.yellow,
  passed: chalk.green,
  warning: chalk.yellow,
  failed: chalk.red,
  skipped: chalk.dim,
};

export const formatMs = (ms: number | undefined) =>
  ms === undefined ? "" : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;

/** A table redrawn in place, with a spinner on running rows: for a person watching a terminal. */
class LiveTable implements Progress {
  private readonly rows = new Map<string, ProgressRow>();
  private drawn = 0;
  private frame = 0;
  private closed = false;
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.ticker = setInterval(() => {
      this.frame += 1;
      this.draw();
    }, 100);
    this.ticker.unref();
  }

  set(row: ProgressRow): void {
    if (this.closed) return;
    this.rows.set(row.name, row);
    this.draw();
  }

  note(line: string): void {
    if (this.closed) return;
    this.erase();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /** Leaves the last frame on screen; later calls (and updates) change nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    this.draw();
    this.drawn = 0;
  }

  private erase(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.erase();
    const width = Math.max(40, this.out.columns ?? 100);
    const nameWidth = Math.max(...[...this.rows.keys()].map((n) => n.length), 4);
    const lines = [...this.rows.values()].map((row) => {
      const icon =
        row.status === "running" ? chalk.cyan(SPINNER[this.frame % SPINNER.length]) : ICON[row.status];
      const attempts = row.attempts > 1 ? `×${row.attempts}` : "";
      const count = row.count ? ` ${formatCount(row.count)}` : "";
      const head = `${icon} ${row.name.padEnd(nameWidth)}  ${COLOR[row.status](row.status.padEnd(8))} ${attempts.padEnd(4)} ${formatMs(row.durationMs).padStart(7)}${count}`;
      const room = width - (nameWidth + 26 + count.length);
      const detail = row.detail && room > 8 ? `  ${chalk.dim(truncate(row.detail, room))}` : "";
      return head + detail;
    });
    if (lines.length > 0) this.out.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}

/**
 * One line per change of state: for CI logs and pipes. A row that stands for many steps prints a
 * line for each step that changes its detail; steps that only move its count print nothing.
 */
class PlainLog implements Progress {
  private readonly last = new Map<string, { status: RowStatus; detail: string | undefined }>();
  private readonly startedAt = Date.now();

  constructor(private readonly out: NodeJS.WritableStream) {}

  set(row: ProgressRow): void {
    const previous = this.last.get(row.name);
    this.last.set(row.name, { status: row.status, detail: row.detail });
    if (row.status === "pending") return;
    if (row.status === "running" && !row.detail) return;
    // A retry loop repeating the same failure says nothing new until it ends.
    if (previous?.status === row.status && previous.detail === row.detail) return;
    const at = `[${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(5)}s]`;
    const ended = row.status === "passed" || row.status === "warning" || row.status === "failed";
    // A row of many steps has no attempts of its own: its count says what it did.
    const attempts = row.count ? "" : `${row.attempts} attempt${row.attempts === 1 ? "" : "s"}, `;
    const timing = ended ? ` (${attempts}${formatMs(row.durationMs)})` : "";
    const count = row.count ? ` [${formatCount(row.count)}]` : "";
    this.out.write(
      `${at} ${row.name}: ${row.status}${count}${timing}${row.detail ? ` — ${row.detail}` : ""}\n`,
    );
  }

  note(line: string): void {
    this.out.write(`${line}\n`);
  }

  close(): void {}
}

/**
 * Rows whose names start with `prefix` shown as one row, `name`, counting them as they end: what a
 * run of thousands of like steps (a channel check each) needs, where one row each would be a wall.
 * In a pipe, each step that ends is one line; on a terminal, the one row moves.
 */
export function groupedProgress(
  progress: Progress,
  group: { prefix: string; name: string; total: number },
): Progress {
  const started = performance.now();
  let passed = 0;
  let failed = 0;
  const show = (status: RowStatus, detail?: string) =>
    progress.set({
      name: group.name,
      status,
      attempts: 1,
      durationMs: performance.now() - started,
      count: { done: passed + failed, total: group.total },
      ...(detail ? { detail } : {}),
    });
  return {
    set(row) {
      if (!row.name.startsWith(group.prefix)) return progress.set(row);
      if (row.status !== "passed" && row.status !== "failed") {
        if (passed + failed === 0) show("running");
        return;
      }
      if (row.status === "passed") passed += 1;
      else failed += 1;
      const which = row.name.slice(group.prefix.length);
      if (passed + failed < group.total) {
        show("running", `${which} ${row.status}${row.status === "failed" ? `: ${row.detail ?? ""}` : ""}`);
      } else {
        show(failed > 0 ? "failed" : "passed", `${passed} passed, ${failed} failed`);
      }
    },
    note: (line) => progress.note(line),
    close: () => progress.close(),
  };
}

/** For --json, and for checks run inside another step. */
export const silentProgress: Progress = { set() {}, note() {}, close() {} };

function truncate(s: string, max: number): string {
  const oneLine = s.replace(/\s+/g, " ");
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** A live table on a terminal, a plain log otherwise, nothing when the output is JSON. */
export function createProgress(options: { json: boolean; out?: NodeJS.WriteStream }): Progress {
  const out = options.out ?? process.stdout;
  if (options.json) return silentProgress;
  return out.isTTY ? new LiveTable(out) : new PlainLog(out);
}
