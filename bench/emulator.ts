import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startEmulator } from "#emulator/server.ts";
import { DEFAULT_TIMEOUT_MS } from "#infra/cloudflare-rest.ts";

/**
 * Throughput and latency of the emulator for the two calls load tests hit hardest: live-input GET
 * (REST v4, bearer token, permission check) and TURN generate-ice-servers (Realtime API, HMAC).
 *
 * By default the emulator runs in a child process, as `npm start` runs it apart from its clients,
 * so that the load generator does not share its event loop; `--in-process` measures both in one.
 *
 * Then a burst of live-input creates at once onto an account that already holds many, with the
 * state file on, as the local stack runs it: a whole window's share of the providers' pace sent at
 * once, as it was before the pace kept to 100 calls a second (900 creates onto 2,100 inputs by
 * default). Every answer must come well within the providers' deadline, or a create counts as lost.
 */

const USAGE =
  "Usage: npx tsx bench/emulator.ts [--seconds 10] [--concurrency 32] [--in-process] [--burst 900] [--onto 2100]";

interface Target {
  url: string;
  accountId: string;
  adminToken: string;
  liveInputId: string;
  turnKeyId: string;
  turnKeySecret: string;
}

/** Starts an emulator with the rate limit out of the way and one live input and TURN key to hit. */
async function serve(): Promise<{ target: Target; close: () => Promise<void> }> {
  // Throughput is thousands of requests a second, which Cloudflare's 1,200 per 5 minutes per token
  // would refuse at once: this bench measures the emulator's cost per request, not a client's budget.
  const emu = await startEmulator({ config: { rateLimit: { requests: 1_000_000_000, windowSeconds: 300 } } });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${emu.apiBase}/accounts/${emu.accountId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`bench setup: POST ${path} answered ${res.status}`);
    return ((await res.json()) as { result: Record<string, string> }).result;
  };
  const liveInput = await post("/stream/live_inputs", { meta: { name: "bench" } });
  const turnKey = await post("/calls/turn_keys", { name: "bench" });
  return {
    target: {
      url: emu.url,
      accountId: emu.accountId,
      adminToken: emu.adminToken,
      liveInputId: liveInput.uid!,
      turnKeyId: turnKey.uid!,
      turnKeySecret: turnKey.key!,
    },
    close: () => emu.close(),
  };
}

/**
 * `burst` live-input creates sent at once to an emulator with a state file that already holds
 * `onto` inputs: how long until the last is answered.
 */
async function persistedBurst(
  onto: number,
  burst: number,
): Promise<{ lastAnswerMs: number; failed: number }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-emulator-burst-"));
  // The rate limit is out of the way: what is measured is the emulator's own cost of a burst.
  const emu = await startEmulator({
    stateFile: join(dir, "emulator.json"),
    config: { rateLimit: { requests: 1_000_000_000, windowSeconds: 300 } },
  });
  const create = (i: number) =>
    fetch(`${emu.apiBase}/accounts/${emu.accountId}/stream/live_inputs`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ meta: { name: `bench-${i}` }, recording: { mode: "automatic" } }),
    }).then(async (res) => {
      await res.arrayBuffer();
      return res.ok;
    });
  try {
    for (let i = 0; i < onto; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, onto - i) }, (_, j) => create(i + j)));
    }
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: burst }, (_, j) => create(onto + j)));
    return { lastAnswerMs: performance.now() - started, failed: answers.filter((ok) => !ok).length };
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The emulator in a child process; it hands its target over on stdout, never to the terminal. */
async function serveInChild(): Promise<{ target: Target; close: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const firstLine = createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const line = await Promise.race([
    firstLine.then((r) => r.value as string | undefined),
    exited.then(() => undefined),
  ]);
  if (!line) throw new Error("the emulator child exited before it was ready");
  return {
    target: JSON.parse(line) as Target,
    close: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      await exited;
    },
  };
}

interface Scenario {
  name: string;
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function scenarios(t: Target): Scenario[] {
  return [
    {
      name: "live input GET",
      method: "GET",
      path: `/client/v4/accounts/${t.accountId}/stream/live_inputs/${t.liveInputId}`,
      headers: { authorization: `Bearer ${t.adminToken}` },
    },
    {
      name: "TURN generate-ice-servers",
      method: "POST",
      path: `/v1/turn/keys/${t.turnKeyId}/credentials/generate-ice-servers`,
      headers: { authorization: `Bearer ${t.turnKeySecret}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl: 3600 }),
    },
  ];
}

/** One request on a kept-alive connection; resolves with its status once the body is read. */
function once(agent: Agent, origin: URL, s: Scenario): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: origin.hostname, port: origin.port, method: s.method, path: s.path, headers: s.headers },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(s.body);
  });
}

interface Figures {
  requests: number;
  failures: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function measure(origin: URL, s: Scenario, concurrency: number, seconds: number): Promise<Figures> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const run = async (until: number, latencies: number[] | undefined) => {
    let failures = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          const status = await once(agent, origin, s);
          latencies?.push(performance.now() - started);
          if (status < 200 || status >= 300) failures += 1;
        }
      }),
    );
    return failures;
  };
  await run(performance.now() + 1000, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  const failures = await run(started + seconds * 1000, latencies);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    failures,
    perSecond: latencies.length / elapsed,
    p50: quantile(0.5),
    p99: quantile(0.99),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "32" },
      "in-process": { type: "boolean", default: false },
      burst: { type: "string", default: "900" },
      onto: { type: "string", default: "2100" },
      serve: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (values.serve) {
    const { target, close } = await serve();
    process.once("SIGTERM", () => void close().then(() => process.exit(0)));
    return console.log(JSON.stringify(target));
  }
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const [burst, onto] = [Number(values.burst), Number(values.onto)];
  if (
    !(seconds > 0 && seconds <= 600) ||
    !(Number.isInteger(concurrency) && concurrency > 0 && concurrency <= 1024) ||
    !(Number.isInteger(burst) && burst > 0 && burst <= 3_000) ||
    !(Number.isInteger(onto) && onto >= 0 && onto <= 10_000)
  ) {
    console.error(
      `--seconds must be in (0, 600], --concurrency in 1..1024, --burst in 1..3000 and --onto in 0..10000\n${USAGE}`,
    );
    process.exit(2);
  }

  const { target, close } = values["in-process"] ? await serve() : await serveInChild();
  try {
    const where = values["in-process"] ? "in the bench process" : "in a child process";
    console.log(
      `emulator ${where}; concurrency ${concurrency}, ${seconds} s per scenario after 1 s of warm-up\n`,
    );
    console.log(
      `${"scenario".padEnd(28)}${"req/s".padStart(10)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}${"requests".padStart(11)}${"failed".padStart(8)}`,
    );
    for (const s of scenarios(target)) {
      const f = await measure(new URL(target.url), s, concurrency, seconds);
      console.log(
        `${s.name.padEnd(28)}${f.perSecond.toFixed(0).padStart(10)}${f.p50.toFixed(2).padStart(10)}${f.p99.toFixed(2).padStart(10)}${String(f.requests).padStart(11)}${String(f.failures).padStart(8)}`,
      );
    }
  } finally {
    await close();
  }
  const { lastAnswerMs, failed } = await persistedBurst(onto, burst);
  console.log(
    `\n${burst} live-input creates at once onto ${onto} inputs, state file on (in the bench process)\n` +
      `  last answer after ${(lastAnswerMs / 1000).toFixed(1)} s (the providers' deadline per call: ${DEFAULT_TIMEOUT_MS / 1000} s); ${failed} failed`,
  );
}

await main();
