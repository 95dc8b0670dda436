import type * as z from "zod";
import type {
  dataChannelsNewRequest,
  tracksCloseRequest,
  tracksNewRequest,
} from "#contracts/cloudflare/realtime.ts";
import type { Refusal, SfuMedia } from "../media/sfu/plane.ts";
import { realtimeErrors } from "./errors.ts";
import { type MediaSection, parseMediaSections, SdpError } from "./sdp.ts";
import { type ItemResult, planChannels, planPublish, planPull, type SfuSession } from "./sfu-session.ts";
import type { RealtimeStore } from "./store.ts";

function parseOrThrow(sdp: string): MediaSection[] {
  try {
    return parseMediaSections(sdp);
  } catch (err) {
    if (err instanceof SdpError) throw realtimeErrors.invalidSessionDescription(err.message);
    throw err;
  }
}

function orRefused<T extends object>(result: T | Refusal): T {
  if ("refused" in result) throw realtimeErrors.invalidSessionDescription(result.refused);
  return result;
}

/**
 * The SFU operations of the Realtime API, each on the session's bookkeeping (the store) and its
 * connection (the media plane). Operations on one session run one at a time, as Cloudflare asks
 * clients to serialize them; a request that changes nothing when it is refused.
 */
export class SfuOperations {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: RealtimeStore,
    private readonly media: SfuMedia,
  ) {
    media.onTrackTimeout(({ sessionId, mid }) => store.trackTimedOut(sessionId, mid));
  }

  /**
   * `sessions/new`. Older clients sent their first offer with it (no tracks yet): it is answered
   * in the same call, and a session whose offer is refused is not kept.
   */
  async newSession(appId: string, offerSdp: string | undefined) {
    if (offerSdp !== undefined) parseOrThrow(offerSdp);
    const { id } = this.store.newSession(appId);
    if (offerSdp === undefined) return { sessionId: id };
    const answered = await this.media.answer({ appId, sessionId: id }, offerSdp, { publish: [], pulls: [] });
    if ("refused" in answered) {
      await this.closeSession(id);
      throw realtimeErrors.invalidSessionDescription(answered.refused);
    }
    return { sessionId: id, sessionDescription: { type: "answer" as const, sdp: answered.sdp } };
  }

  /** Checks that the session in the path is open before the body is read. */
  open(appId: string, sessionId: string): void {
    this.store.openSession(appId, sessionId);
  }

  /** `tracks/new`, validated: one location for every track, an offer when publishing. */
  tracksNew(appId: string, sessionId: string, body: z.infer<typeof tracksNewRequest>) {
    return this.exclusive(sessionId, async () => {
      const session = await this.ready(appId, sessionId);
      const offer = body.sessionDescription?.sdp;
      const offered = offer === undefined ? undefined : parseOrThrow(offer);
      if (body.tracks[0]?.location === "local") {
        const { results, accepted } = planPublish(session, body.tracks, offered!);
        const { sdp } = orRefused(
          await this.media.answer({ appId, sessionId }, offer!, {
            publish: accepted.map((a) => a.mid),
            pulls: [],
          }),
        );
        this.store.publish(
          sessionId,
          accepted.map(({ mid, trackName, kind }) => ({ mid, trackName, kind })),
        );
        return this.tracksResponse(results, { type: "answer", sdp }, false);
      }
      const { results, accepted } = planPull(
        session,
        body.tracks,
        (id) => this.store.session(id),
        (id, mid) => this.media.publishes({ sessionId: id, mid }),
        offered,
      );
      const pulls = accepted.map((a) => ({
        source: { sessionId: a.sessionId, mid: a.sourceMid },
        label: { stream: a.sessionId, track: a.trackName },
      }));
      const record = (mids: string[], status: "active" | "inactive") => {
        const tracks = accepted.map((a, i) => ({
          mid: mids[i]!,
          trackName: a.trackName,
          sessionId: a.sessionId,
          kind: a.kind,
        }));
        this.store.pull(sessionId, tracks, status);
        accepted.forEach((a, i) => {
          results[a.index] = { ...results[a.index]!, mid: mids[i]! };
        });
      };
      if (offer !== undefined) {
        const mids = accepted.map((a) => a.mid!);
        const { sdp } = orRefused(
          await this.media.answer({ appId, sessionId }, offer, {
            publish: [],
            pulls: pulls.map((p, i) => ({ ...p, mid: mids[i]! })),
          }),
        );
        record(mids, "active");
        return this.tracksResponse(results, { type: "answer", sdp }, false);
      }
      if (accepted.length === 0) return this.tracksResponse(results, undefined, false);
      const { sdp, mids } = orRefused(await this.media.offer({ appId, sessionId }, pulls));
      record(mids, "inactive");
      return this.tracksResponse(results, { type: "offer", sdp }, true);
    });
  }

  /** `renegotiate`: the client's answer to the SFU's offer; pulled tracks go active with it. */
  renegotiate(appId: string, sessionId: string, answerSdp: string) {
    return this.exclusive(sessionId, async () => {
      this.store.openSession(appId, sessionId);
      parseOrThrow(answerSdp);
      const refused = await this.media.acceptAnswer(sessionId, answerSdp);
      if (refused) throw realtimeErrors.invalidSessionDescription(refused.refused);
      this.store.answered(sessionId);
      return {};
    });
  }

  /** `tracks/close`: stops each mid, then answers the client's offer when it sent one. */
  tracksClose(appId: string, sessionId: string, body: z.infer<typeof tracksCloseRequest>) {
    return this.exclusive(sessionId, async () => {
      this.store.openSession(appId, sessionId);
      if (body.sessionDescription) parseOrThrow(body.sessionDescription.sdp);
      const { results, closed } = this.store.closeTracks(
        sessionId,
        body.tracks.map((t) => t.mid),
      );
      for (const track of closed) this.media.stop(sessionId, track.mid);
      const answer = body.sessionDescription
        ? orRefused(
            await this.media.answer({ appId, sessionId }, body.sessionDescription.sdp, {
              publish: [],
              pulls: [],
            }),
          )
        : undefined;
      return {
        tracks: results,
        ...(answer ? { sessionDescription: { type: "answer" as const, sdp: answer.sdp } } : {}),
        requiresImmediateRenegotiation: false,
      };
    });
  }

  /** `datachannels/new`: negotiated channel ids on the session's own association. */
  dataChannelsNew(appId: string, sessionId: string, body: z.infer<typeof dataChannelsNewRequest>) {
    return this.exclusive(sessionId, async () => {
      const session = await this.ready(appId, sessionId);
      if (!this.media.negotiation(sessionId).dataChannels) {
        throw realtimeErrors.invalidParams(
          "the session has no DataChannel transport: negotiate an application media section first",
        );
      }
      const { results, accepted } = planChannels(session, body.dataChannels, (id) => this.store.session(id));
      const allocated = session.dataChannels.map((c) => c.id);
      const opened = accepted.map((a) => {
        const id = this.media.freeChannelId(sessionId, allocated);
        allocated.push(id);
        this.media.openChannel(
          sessionId,
          id,
          a.location === "local"
            ? { publish: a.dataChannelName }
            : { pull: { sessionId: a.sessionId!, name: a.dataChannelName } },
          a.delivery,
        );
        results[a.index] = { ...results[a.index]!, id };
        return {
          location: a.location,
          dataChannelName: a.dataChannelName,
          id,
          ...(a.sessionId ? { sessionId: a.sessionId } : {}),
          delivery: a.delivery,
        };
      });
      this.store.addDataChannels(sessionId, opened);
      return { dataChannels: results };
    });
  }

  /** Session get: the tracks as recorded, the DataChannels with their live status. */
  get(appId: string, sessionId: string) {
    const session = this.store.openSession(appId, sessionId);
    return {
      tracks: session.tracks.map(({ location, mid, trackName, kind, sessionId, status }) => ({
        location,
        mid,
        trackName,
        ...(kind === "audio" || kind === "video" ? { kind } : {}),
        ...(sessionId ? { sessionId } : {}),
        status,
      })),
      dataChannels: session.dataChannels.map(({ location, sessionId: from, dataChannelName, id }) => ({
        location,
        ...(from ? { sessionId: from } : {}),
        dataChannelName,
        id,
        status: this.media.channel(session.id, id)?.status ?? "inactive",
      })),
    };
  }

  /** The session ends: its connection closes and every later call answers 410. */
  async closeSession(sessionId: string): Promise<void> {
    this.store.closeSession(sessionId);
    await this.media.closeSession(sessionId);
  }

  /**
   * The open session, once it may take another change: the SFU's offer must have its answer
   * first (406, as Cloudflare answers overlapping negotiations), and a negotiated connection must
   * come up within the connect timeout (425 `session_error` otherwise).
   */
  private async ready(appId: string, sessionId: string): Promise<Readonly<SfuSession>> {
    this.store.openSession(appId, sessionId);
    const negotiation = this.media.negotiation(sessionId);
    if (negotiation.awaitingAnswer) throw realtimeErrors.offerPending();
    if (negotiation.negotiated && !(await this.media.connected(sessionId)))
      throw realtimeErrors.notConnected();
    return this.store.openSession(appId, sessionId);
  }

  private tracksResponse(
    tracks: ItemResult[],
    sessionDescription: { type: "offer" | "answer"; sdp: string } | undefined,
    requiresImmediateRenegotiation: boolean,
  ) {
    return { requiresImmediateRenegotiation, ...(sessionDescription ? { sessionDescription } : {}), tracks };
  }

  private exclusive<T>(sessionId: string, run: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(sessionId) ?? Promise.resolve()).then(run, run);
    const settled = next.then(
      () => {},
      () => {},
    );
    this.queues.set(sessionId, settled);
    void settled.then(() => {
      if (this.queues.get(sessionId) === settled) this.queues.delete(sessionId);
    });
    return next;
  }
}
