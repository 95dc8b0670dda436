import type { StoredOutput } from "../../stream/store.ts";
import type { Broadcast, Broadcasts, LiveInputs } from "../broadcasts.ts";
import type { Children, TrackedChild } from "../children.ts";

/** A relay whose target dropped it (or never took it) is started again after this long, while still wanted. */
const RETRY_MS = 2_000;

interface Relay {
  output: Readonly<StoredOutput>;
  broadcast: Broadcast;
  ffmpeg: TrackedChild;
  untap: () => void;
  retry?: NodeJS.Timeout;
}

/**
 * Where ffmpeg sends an output's copy. For RTMP(S) the stream key is the stream name after the
 * app path (docs/reference/cloudflare-api.md §1.8, an inference); how Cloudflare combines a key
 * with an `srt://` URL is undocumented, so passing it as the SRT `streamid` (unless the URL
 * sets one) is this emulator's guess.
 */
export function relayTarget(output: Pick<StoredOutput, "url" | "streamKey">): {
  url: string;
  format: string;
} {
  const url = new URL(output.url);
  if (url.protocol === "srt:") {
    if (!url.searchParams.has("streamid")) url.searchParams.set("streamid", output.streamKey);
    return { url: url.toString(), format: "mpegts" };
  }
  return { url: `${output.url.replace(/\/+$/, "")}/${encodeURIComponent(output.streamKey)}`, format: "flv" };
}

/**
 * Restreaming: while a live input has an RTMP(S) or SRT broadcast, each of its enabled outputs gets
 * the broadcast forwarded, unchanged (`-c copy`), by an ffmpeg fed from the ingest's FLV, as
 * Cloudflare simulcasts (docs/reference/cloudflare-api.md §1.8). Disabling or deleting an output
 * stops its relay (Cloudflare: a deleted one within 30 s; here at once), enabling one while live
 * starts it, and a WHIP broadcast, which has no FLV, is never forwarded (Cloudflare: WHIP inputs do
 * not simulcast). Which relays run is the emulator's own state: Cloudflare's API reports an
 * output's `enabled` only.
 */
export class Restreamer {
  private readonly relays = new Map<string, Relay>();
  private closed = false;

  constructor(
    private readonly ffmpeg: string,
    private readonly children: Children,
    private readonly inputs: LiveInputs,
    private readonly broadcasts: Broadcasts,
  ) {}

  /** The outputs being forwarded now, by output uid: the emulator's view, not Cloudflare's API. */
  forwarding(): string[] {
    return [...this.relays.values()].filter((r) => r.retry === undefined).map((r) => r.output.uid);
  }

  /** Starts a relay for each enabled output of each live broadcast, and stops every other. */
  reconcile(): void {
    if (this.closed) return;
    const wanted = new Map<string, { output: Readonly<StoredOutput>; broadcast: Broadcast }>();
    for (const input of this.inputs.list()) {
      const broadcast = this.broadcasts.current(input.uid);
      if (!broadcast?.connected || !broadcast.flv) continue;
      for (const output of this.inputs.listOutputs(input.uid)) {
        if (output.enabled) wanted.set(output.uid, { output, broadcast });
      }
    }
    for (const [uid, relay] of [...this.relays]) {
      if (wanted.get(uid)?.broadcast !== relay.broadcast) this.stop(uid);
    }
    for (const [uid, { output, broadcast }] of wanted) {
      if (!this.relays.has(uid)) this.start(output, broadcast);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.relays.keys()].map((uid) => this.stop(uid)));
  }

  private start(output: Readonly<StoredOutput>, broadcast: Broadcast): void {
    const target = relayTarget(output);
    const ffmpeg = this.children.spawn(this.ffmpeg, [
      ...["-hide_banner", "-loglevel", "error", "-nostats", "-f", "flv", "-i", "pipe:0"],
      ...["-map", "0:v", "-map", "0:a?", "-c", "copy", "-f", target.format, target.url],
    ]);
    const stdin = ffmpeg.child.stdin!;
    // ffmpeg gone (the target refused it, or the relay stopped first): the tags have nowhere to go.
    stdin.on("error", () => {});
    const untap = broadcast.flv!((tag) => {
      if (stdin.writable) stdin.write(tag);
    });
    const relay: Relay = { output, broadcast, ffmpeg, untap };
    this.relays.set(output.uid, relay);
    void ffmpeg.exited.then(() => {
      if (this.relays.get(output.uid) !== relay) return;
      // The target dropped or refused it. Nothing is logged: ffmpeg's stderr names the target URL, stream key included.
      untap();
      relay.retry = setTimeout(() => {
        if (this.relays.get(output.uid) !== relay) return;
        this.relays.delete(output.uid);
        this.reconcile();
      }, RETRY_MS);
      relay.retry.unref();
    });
  }

  private async stop(uid: string): Promise<void> {
    const relay = this.relays.get(uid);
    if (!relay) return;
    this.relays.delete(uid);
    clearTimeout(relay.retry);
    relay.untap();
    relay.ffmpeg.child.stdin?.end();
    await relay.ffmpeg.stop();
  }
}
