import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ROUTE_TABLE } from "#contracts/api/route-table.ts";
import { startRoomExample } from "#examples/room/backend.ts";
import { goLive } from "#local-engine/go-live.ts";
import { notifyLocalWorker } from "#local-engine/local-notifications.ts";
import { LocalStack } from "#local-engine/local-stack.ts";
import { TURNSERVER_BINARY } from "#local-engine/turn/coturn.ts";
import { applyProgress } from "./lib/apply-progress.ts";
import { serveLocalControl } from "./lib/local-driver.ts";
import { createProgress } from "./lib/progress.ts";

const USAGE = `Usage: npm start -- [--stack dev] [--reset] [--emulator-port N] [--worker-port N] [--no-turn]
                 [--plan paid|free]

Starts the whole environment on this machine: the Cloudflare emulator, the Pulumi program applied
to it, the Worker it declares in workerd and, when Debian's coturn is installed, a local TURN server.
State lives in .realtime-stack/local/ and is reused by the next start; --reset starts afresh.
Cloudflare's limits apply as on Workers Paid; --plan free applies Free's (docs/limits.md).`;

const { values } = parseArgs({
  options: {
    stack: { type: "string", default: "dev" },
    reset: { type: "boolean", default: false },
    "emulator-port": { type: "string" },
    "worker-port": { type: "string" },
    "no-turn": { type: "boolean", default: false },
    plan: { type: "string", default: "paid" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function port(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`${flag} must be a port number (1-65535), got "${value}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

const plan = values.plan;
if (plan !== "paid" && plan !== "free") {
  console.error(`--plan must be "paid" or "free", got "${plan}"\n\n${USAGE}`);
  process.exit(2);
}
const emulatorPort = port("--emulator-port", values["emulator-port"]);
const workerPort = port("--worker-port", values["worker-port"]);
const turn = !values["no-turn"] && existsSync(TURNSERVER_BINARY);

/** The running stack, once started: its emulator's last changes are written before the process exits. */
let running: LocalStack | undefined;

/**
 * Registered before anything starts so that it runs first: Miniflare's own SIGINT handler exits the
 * process at once, and the exit hooks (workerd, coturn) then stop every child. Every change a
 * request made is on disk already; the emulator's own changes of the last moment (a broadcast's
 * state, say) wait for a write that coalesces them, so it is done now.
 */
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    running?.emulator.core.state.save();
    console.log("\nStopped. State kept in .realtime-stack/local/ (npm start -- --reset starts afresh).");
    process.exit(0);
  });
}

console.log(
  `Starting the ${values.stack} stack${values.reset ? " from scratch" : ""} under Workers ${plan === "free" ? "Free" : "Paid"}'s limits…`,
);
const progress = createProgress({ json: false });
const applying = applyProgress(progress);
const stack = await LocalStack.start({
  stack: values.stack,
  reset: values.reset,
  turn,
  media: true,
  plan,
  ...(emulatorPort ? { emulatorPort } : {}),
  ...(workerPort ? { workerPort } : {}),
  onStep: (s) => applying.onStep(s),
}).catch((e: Error) => {
  applying.finished(e.message);
  progress.close();
  console.error(`Could not start the local stack: ${e.message}`);
  process.exit(1);
});
running = stack;
applying.finished();
progress.close();

// How `npm run smoke|rotate|deploy -- --local` in another terminal drive this stack.
const control = await serveLocalControl(stack);

type Outputs = {
  tenants: Record<
    string,
    { apiKey: string; channels: Record<string, { liveInputId: string; playback: { hls: string } }> }
  >;
};
const outputs = stack.outputs as Outputs;
// Cloudflare posts live input events to the Worker's public URL; here the emulator posts them to the
// local Worker, so that the dashboard changes as soon as a state is flipped.
await notifyLocalWorker(
  stack,
  Object.values(outputs.tenants).flatMap((t) => Object.values(t.channels).map((c) => c.liveInputId)),
);
const [tenantId, tenant] = Object.entries(outputs.tenants)[0]!;
const [channel, { liveInputId, playback }] = Object.entries(tenant.channels)[0]!;
const url = stack.worker.url;
const live = goLive(stack.emulator, liveInputId);
const media = stack.emulator.media?.features;
const mediaOff = [
  media && !media.rtmps
    ? "RTMPS (openssl is not installed: RTMP works, and the inputs' rtmps.url points at it)"
    : "",
  media && !media.srt ? "SRT ingest (needs Debian's ffmpeg, built with libsrt)" : "",
  media && !media.hlsDash ? "HLS and DASH playback (needs ffmpeg)" : "",
].filter(Boolean);
const goLiveText = live
  ? `Go live on ${tenantId}/${channel} with ffmpeg (H.264 yuv420p + AAC, a keyframe every 2 s); the dashboard turns Live:
  ${live.ffmpegCommand}

Or from OBS: Settings → Stream → Service "Custom…", Server ${live.obs.server}${live.obs.tlsServer ? ` (or ${live.obs.tlsServer}, with the local self-signed certificate)` : ""},
  Stream Key ${live.obs.streamKey}; Settings → Output → Keyframe Interval 2 s, audio AAC.
Watch it: ${playback.hls} (ffplay, VLC, or the dashboard's preview).
${mediaOff
  .map(
    (f) => `Off: ${f}.
`,
  )
  .join("")}`
  : "";
// The room example (examples/room) on the origin the dev config allows for acme's pages.
const roomExample = await startRoomExample({ workerUrl: url, tenant: tenantId, key: tenant.apiKey }).then(
  ({ url: page }) => `${page}/?room=demo&user=ada (and &user=bob in another window)`,
  (e: Error) => `off (${e.message})`,
);
const auth = `-H 'X-Tenant-ID: ${tenantId}' -H 'Authorization: Bearer ${tenant.apiKey}'`;

console.log(`
realtime-stack (${values.stack}) is running.

  Worker       ${url}
  Dashboard    ${url}/?tenant=${tenantId}
  Room example ${roomExample}
  Emulator     ${stack.emulator.url}
  Admin token  ${stack.emulator.adminToken}  (the emulator's /__emulator/ controls)
  TURN         ${stack.turn ? `coturn on ${stack.turn.host}:${stack.turn.port}` : "off (install coturn for real relays)"}
  Tenant       ${tenantId}
  Tenant key   ${tenant.apiKey}
  Outputs      ${stack.outputsFile}
  Control      ${control.url}  (npm run smoke|rotate|deploy -- --local use this stack)

Try:
  curl -s ${url}${ROUTE_TABLE.healthz.path}
  curl -s ${auth} '${url}${ROUTE_TABLE.streamStatus.path}?channel=${channel}'
  curl -s -X POST ${auth} -H 'content-type: application/json' -d '{}' ${url}${ROUTE_TABLE.turn.path}
  curl -s -X POST ${auth} -H 'content-type: application/json' -d '{"room_id":"demo","user_id":"ada","user_name":"Ada"}' ${url}${ROUTE_TABLE.sfuSession.path}

${goLiveText}
Or flip the state by hand (no media), then watch the dashboard change:
  curl -s -X POST -H 'Authorization: Bearer ${stack.emulator.adminToken}' -H 'content-type: application/json' \\
    -d '{"state":"connected"}' ${stack.emulator.url}/__emulator/live_inputs/${liveInputId}/status

Press Ctrl-C to stop.`);
