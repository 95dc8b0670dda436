import { loadavg } from "node:os";
import type { Page } from "playwright-core";
import { RtpHeader, RtpPacket } from "werift";
import { createSfuApp, type EmulatorAddress, SfuTestClient } from "#emulator/services/realtime/testing.ts";
import { launchChromium } from "#test/e2e/support/browser.ts";
import { numberFlags } from "./args.ts";
import { emulatorProcess } from "./emulator-process.ts";
import { quantiles } from "./worker-harness.ts";

/**
 * The local Realtime SFU (the emulator's media plane, in a process of its own):
 * 1. subscribe → first decoded frame: a Chromium page pulls another page's camera through the
 *    Realtime API and waits for inbound-rtp `framesDecoded` > 0 (the browser is the decoder);
 * 2. a room of N werift participants, each publishing audio and video and pulling everyone
 *    else's: the SFU's CPU per forwarded track, and the largest N it carries without losing a
 *    packet, found by a bounded search.
 * The machine is shared: other work on it skews the figures, so the load average is printed.
 */
const USAGE =
  "Usage: npm run bench:sfu -- [--subscribers 10] [--max-participants 32] [--seconds 8] [--skip-browser 0]";
const flags = numberFlags(USAGE, {
  subscribers: { default: 10, min: 1, max: 100 },
  // Each participant pulls 2 × (N − 1) tracks in one call: Cloudflare's 64 per call caps N at 33.
  "max-participants": { default: 32, min: 2, max: 33 },
  seconds: { default: 8, min: 2, max: 120 },
  "skip-browser": { default: 0, min: 0, max: 1 },
});

/** Media a werift participant sends: 50 packets a second per track, as 20 ms audio frames and ~480 kbit/s video. */
const TICK_MS = 20;
const VIDEO_PAYLOAD = Buffer.alloc(1_200, 0x5a);
const AUDIO_PAYLOAD = Buffer.alloc(160, 0xa5);
const WARMUP_MS = 2_000;
const DRAIN_MS = 1_000;

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

console.log(`load average before: ${load()} (2 cores shared with other work: figures vary with it)\n`);
const emu = await emulatorProcess();
try {
  if (!flags["skip-browser"]) await firstFrame(emu, flags.subscribers);
  await roomSearch(emu, flags["max-participants"], flags.seconds);
} finally {
  await emu.close();
}
console.log(`\nload average after: ${load()}`);

/** Part 1: a publisher page, then subscribers one after another; each one's time to its first decoded frame. */
async function firstFrame(emu: EmulatorAddress, subscribers: number): Promise<void> {
  const app = await createSfuApp(emu);
  const browser = await launchChromium({ media: true });
  try {
    const origin = new URL(emu.realtimeBase).origin;
    const open = async () => {
      const page = await (await browser.newContext()).newPage();
      // tsx keeps function names with an `__name` helper that page.evaluate does not carry along.
      await page.addInitScript("globalThis.__name = (f) => f");
      await page.addInitScript(defineRealtime, { base: emu.realtimeBase, app });
      await page.goto(`${origin}/v1`);
      return page;
    };
    const publisher = await open();
    const sessionId = await publisher.evaluate(publishCamera);
    const api: number[] = [];
    const connected: number[] = [];
    const decoded: number[] = [];
    for (let i = 0; i < subscribers; i++) {
      const page: Page = await open();
      const t = await page.evaluate(subscribeUntilDecoded, sessionId);
      api.push(t.api);
      connected.push(t.connected);
      decoded.push(t.decoded);
      await page.context().close();
    }
    const ms = (samples: number[]) => {
      const q = quantiles(samples);
      return `p50 ${q.p50.toFixed(0)} ms  p99 ${q.p99.toFixed(0)} ms`;
    };
    console.log(
      `SFU subscribe → first decoded frame (Chromium decoding, VP8 640×480, ${subscribers} subscribers):`,
    );
    console.log(`  tracks/new + renegotiate answered   ${ms(api)}`);
    console.log(`  connection up                       ${ms(connected)}`);
    console.log(`  first frame decoded                 ${ms(decoded)}\n`);
  } finally {
    await browser.close();
  }
}

/** What the benchmark reads of the API's answers. */
type RealtimeAnswer = { sessionId?: string; sessionDescription?: RTCSessionDescriptionInit };
type RealtimeCall = (path: string, body?: unknown, method?: string) => Promise<RealtimeAnswer>;

/** Runs in each page before it loads: `window.realtime` calls the SFU app's API (the secret stays in this benchmark). */
function defineRealtime({ base, app }: { base: string; app: { id: string; secret: string } }) {
  const call: RealtimeCall = async (path, body, method = "POST") => {
    const res = await fetch(`${base}/apps/${app.id}${path}`, {
      method,
      headers: { authorization: `Bearer ${app.secret}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as RealtimeAnswer;
  };
  (window as unknown as { realtime: RealtimeCall }).realtime = call;
}

/** Runs in the publisher page: its fake camera published on a new session. */
async function publishCamera() {
  const call = (window as unknown as { realtime: RealtimeCall }).realtime;
  const { sessionId } = await call("/sessions/new");
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const transceiver = pc.addTransceiver(camera.getVideoTracks()[0]!, { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  const published = await call(`/sessions/${sessionId}/tracks/new`, {
    sessionDescription: { type: "offer", sdp: pc.localDescription!.sdp },
    tracks: [{ location: "local", mid: transceiver.mid, trackName: "cam" }],
  });
  await pc.setRemoteDescription(published.sessionDescription!);
  (window as unknown as { keep: unknown }).keep = pc;
  return sessionId!;
}

/** Runs in a subscriber page: pulls the camera and times the first decoded frame from the pull's start. */
async function subscribeUntilDecoded(sessionId: string) {
  const call = (window as unknown as { realtime: RealtimeCall }).realtime;
  const own = (await call("/sessions/new")).sessionId;
  const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
  const started = performance.now();
  const pulled = await call(`/sessions/${own}/tracks/new`, {
    tracks: [{ location: "remote", sessionId, trackName: "cam" }],
  });
  await pc.setRemoteDescription(pulled.sessionDescription!);
  await pc.setLocalDescription(await pc.createAnswer());
  await call(`/sessions/${own}/renegotiate`, { sessionDescription: pc.localDescription }, "PUT");
  const api = performance.now() - started;
  let connected = 0;
  for (;;) {
    if (!connected && pc.connectionState === "connected") connected = performance.now() - started;
    let frames = 0;
    (await pc.getStats()).forEach((r: { type: string; framesDecoded?: number }) => {
      if (r.type === "inbound-rtp") frames += r.framesDecoded ?? 0;
    });
    if (frames > 0) break;
    if (performance.now() - started > 15_000) throw new Error("no frame decoded within 15 s");
    await new Promise((r) => setTimeout(r, 5));
  }
  const decoded = performance.now() - started;
  pc.close();
  return { api, connected: connected || decoded, decoded };
}

interface RoomResult {
  participants: number;
  forwarded: number;
  sfuCpu: number | undefined;
  clientCpu: number;
  sent: number;
  lost: number;
}

/** Part 2: rooms of growing size until one loses packets, then a bisection between the last good and the first bad. */
async function roomSearch(
  emu: EmulatorAddress & { cpuSeconds: () => number | undefined },
  max: number,
  seconds: number,
) {
  console.log(
    `A room of N werift participants, each publishing audio + video (50 packets/s each) and pulling all others (${seconds} s per size):`,
  );
  console.log(
    "  N   forwarded tracks   SFU CPU   per forwarded track   clients' CPU   packets expected   lost",
  );
  const results = new Map<number, RoomResult>();
  const run = async (n: number) => {
    const result = await room(emu, n, seconds);
    results.set(n, result);
    const pct = (x: number | undefined) => (x === undefined ? "n/a" : `${(100 * x).toFixed(0)} %`);
    const per =
      result.sfuCpu === undefined ? "n/a" : `${((100 * result.sfuCpu) / result.forwarded).toFixed(2)} %`;
    console.log(
      `  ${String(n).padStart(2)}  ${String(result.forwarded).padStart(16)}   ${pct(result.sfuCpu).padStart(7)}   ${per.padStart(19)}   ${pct(result.clientCpu).padStart(12)}   ${String(result.sent).padStart(16)}   ${result.lost}`,
    );
    return result.lost === 0;
  };
  let good = 0;
  let bad = 0;
  for (const n of [2, 4, 8, 12, 16, 24, 32].filter((n) => n <= max)) {
    if (await run(n)) good = n;
    else {
      bad = n;
      break;
    }
  }
  while (bad && bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (await run(mid)) good = mid;
    else bad = mid;
  }
  const best = results.get(good);
  console.log(
    bad
      ? `Largest room without loss: ${good} participants (${best?.forwarded ?? 0} forwarded tracks); ${bad} lost packets.`
      : `No loss up to the largest room tried, ${good} participants (${best?.forwarded ?? 0} forwarded tracks).`,
  );
  console.log("  (CPU as a share of one core; the SFU is one Node process, the clients another.)");
}

/** One room: everyone publishes, then pulls everyone else; packets are counted over a window after a warm-up. */
async function room(
  emu: EmulatorAddress & { cpuSeconds: () => number | undefined },
  n: number,
  seconds: number,
): Promise<RoomResult> {
  const app = await createSfuApp(emu);
  const clients = await Promise.all(Array.from({ length: n }, () => SfuTestClient.create(emu, app)));
  try {
    for (const c of clients) {
      await c.publish([
        { trackName: "mic", kind: "audio" },
        { trackName: "cam", kind: "video" },
      ]);
    }
    await Promise.all(clients.map((c) => c.connected()));
    /** What each client receives, by the publisher's session and track: the sequence numbers. */
    const received = new Map<string, Set<number>>();
    for (const c of clients) {
      const others = clients.filter((o) => o !== c);
      const pulled = await c.pull(
        others.flatMap((o) => [
          { sessionId: o.sessionId, trackName: "mic" },
          { sessionId: o.sessionId, trackName: "cam" },
        ]),
      );
      for (const t of pulled.tracks) {
        if (t.errorCode) throw new Error(`pull failed: ${t.errorCode} ${t.errorDescription}`);
        const seen = new Set<number>();
        received.set(`${c.sessionId} ${t.sessionId} ${t.trackName}`, seen);
        // Sequence numbers only: keeping the packets of a long window would fill the memory.
        c.onRtp(t.mid!, (rtp) => seen.add(rtp.header.sequenceNumber));
      }
    }
    await Promise.all(clients.map((c) => c.connected()));

    let sequence = 0;
    const send = () => {
      sequence = (sequence + 1) & 0xffff;
      for (const c of clients) {
        for (const [name, payload, type] of [
          ["cam", VIDEO_PAYLOAD, 96],
          ["mic", AUDIO_PAYLOAD, 111],
        ] as const) {
          const header = new RtpHeader({
            sequenceNumber: sequence,
            timestamp: sequence * 960,
            payloadType: type,
            marker: true,
          });
          c.published.get(name)!.track.writeRtp(new RtpPacket(header, payload));
        }
      }
    };
    const ticker = setInterval(send, TICK_MS);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    for (const seen of received.values()) seen.clear();
    const first = (sequence + 1) & 0xffff;
    const sfuBefore = emu.cpuSeconds();
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1_000));
    const last = sequence;
    const elapsed = (performance.now() - started) / 1_000;
    const sfuAfter = emu.cpuSeconds();
    const clientUsage = process.cpuUsage(clientBefore);
    clearInterval(ticker);
    await new Promise((r) => setTimeout(r, DRAIN_MS));

    const window = ((last - first + 0x10000) % 0x10000) + 1;
    let lost = 0;
    for (const seen of received.values()) {
      for (let i = 0; i < window; i++) if (!seen.has((first + i) & 0xffff)) lost++;
    }
    return {
      participants: n,
      forwarded: received.size,
      sfuCpu:
        sfuBefore === undefined || sfuAfter === undefined ? undefined : (sfuAfter - sfuBefore) / elapsed,
      clientCpu: (clientUsage.user + clientUsage.system) / 1e6 / elapsed,
      sent: window * received.size,
      lost,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
