import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Code that calls the Worker (the dashboard's browser code, scripts, benches, the Pulumi program
 * and the local engine) does so through the client (client/), whose every method comes from the
 * route table (contracts/api/routes.ts): a hand-written path or response envelope would drift from
 * the Worker unnoticed. Tests are not callers: they hold the Worker to its contract, malformed
 * requests included, so they may write paths and read envelopes themselves.
 */
const root = resolve(new URL("../..", import.meta.url).pathname);
const CALLERS = /^(scripts|bench|infra|local-engine|worker\/src\/dashboard\/client)\//;
const NOT_CALLERS = /\.test\.ts$|\/test\/|\/testing\.ts$|\/test-support\.ts$/;

/** Callers not moved onto the client yet, each with why. Shrinks; never grows. */
const ALLOWED: Record<string, string> = {
  "bench/noisy-neighbour.ts":
    "counts every answer's status and time on raw requests (429s included); paths not yet taken from the client",
};

/** A string literal that starts with a Worker API path, or a template that puts one after a base URL. */
const WORKER_PATH = /(["'`]|\})(\/api\/|\/healthz\b)/;
/** The Worker envelope's schemas (contracts/api/envelope.ts): only the client and the Worker read it. */
const ENVELOPE = /\b(apiSuccess|apiEnvelope|apiFailure)\b/;

const callers = execFileSync("git", ["ls-files", "-z", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => CALLERS.test(f) && !NOT_CALLERS.test(f) && !f.endsWith(".generated.ts"));

/** Lines of code, not of comments: a comment may name a route. */
function codeLines(file: string): [number, string][] {
  return readFileSync(join(root, file), "utf8")
    .split("\n")
    .map((line, i): [number, string] => [i + 1, line])
    .filter(([, line]) => !/^\s*(\/\/|\/\*|\*)/.test(line));
}

describe("callers of the Worker go through the client", () => {
  it("write no Worker API path of their own", () => {
    const found = callers
      .filter((f) => !(f in ALLOWED))
      .flatMap((f) => codeLines(f).flatMap(([n, line]) => (WORKER_PATH.test(line) ? [`${f}:${n}`] : [])));
    expect(found).toEqual([]);
  });

  it("read no response envelope of their own", () => {
    const found = callers
      .filter((f) => !(f in ALLOWED))
      .flatMap((f) => codeLines(f).flatMap(([n, line]) => (ENVELOPE.test(line) ? [`${f}:${n}`] : [])));
    expect(found).toEqual([]);
  });

  it("the allowlist names only callers that still need it", () => {
    const stale = Object.keys(ALLOWED).filter(
      (f) => !codeLines(f).some(([, line]) => WORKER_PATH.test(line) || ENVELOPE.test(line)),
    );
    expect(stale).toEqual([]);
  });
});
