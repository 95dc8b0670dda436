import type { BrowserContext, Page } from "playwright-core";
import type { JoinGrant, Room } from "#client/browser.ts";
import { browserClientScript, type ClientGlobal } from "./client-script.ts";

/** What a page in a room knows, as the test reads it back. */
export interface MemberView {
  topology: string;
  state: string;
  /** The media connection's own state (`RTCPeerConnection.connectionState`), when there is one. */
  media: string | null;
  /** Everyone else in the room, as the client's events left it. */
  participants: string[];
  /** Video frames presented so far from each other participant (`requestVideoFrameCallback`), across tracks. */
  frames: Record<string, number>;
  /**
   * Audio decoded from each other participant so far, across tracks and connections, from the
   * receivers' `inbound-rtp` stats: samples played out, and their energy (zero for silence; the
   * fake microphone beeps).
   */
  audio: Record<string, { samples: number; energy: number }>;
  /** Ms from the `joinRoom` call to the first frame presented from each other participant. */
  firstFrameMs: Record<string, number>;
  /** Whose videos are on the page now (a `<video>` per remote video track, removed with the track). */
  playing: string[];
  /** App messages received, as `from:via:data`. */
  messages: string[];
  /** Participants who left, as `user:reason`, in order. */
  left: string[];
  /** Every connection state the room went through, in order (a short `reconnecting` is easily missed by reading `state`). */
  states: string[];
  /** Whether the media connection's selected candidate pair goes through TURN relays on both ends. */
  relayed: boolean;
  /** The media connection's local ICE username fragment: each ICE restart changes it. */
  iceUfrag: string | null;
  warnings: string[];
}

interface MemberState {
  room: Room | undefined;
  /** The participant each playing `<video>` shows. */
  players: Map<MediaStreamTrack, string>;
  /**
   * The participant each remote audio track comes from. By track, not by its id: pulled from the
   * local stack's SFU, a track's id is its name in the publisher's session (`a=msid`), and every
   * participant names its microphone `audio-0`.
   */
  voices: Map<MediaStreamTrack, string>;
  /**
   * Each remote audio track's last stats: a connection replaced after a network loss takes its
   * stats with it, and what was played on it still counts.
   */
  heard: Map<MediaStreamTrack, { samples: number; energy: number }>;
  frames: Record<string, number>;
  firstFrameMs: Record<string, number>;
  messages: string[];
  left: string[];
  states: string[];
  warnings: string[];
}
type MemberWindow = Window & ClientGlobal & { member: MemberState; renewGrant: () => Promise<JoinGrant> };

/**
 * Runs in the page, as an app would: joins through the bundled browser entry with the camera and
 * the microphone, relay-only, renewing through the test's backend (`renewGrant`), plays every
 * remote video in a `<video>` element, counting the frames it presents, and every remote audio
 * track in an `<audio>` element.
 */
async function enter({ grant }: { grant: JoinGrant }): Promise<void> {
  const w = window as unknown as MemberWindow;
  const state: MemberState = {
    room: undefined,
    players: new Map(),
    voices: new Map(),
    heard: new Map(),
    frames: {},
    firstFrameMs: {},
    messages: [],
    left: [],
    states: [],
    warnings: [],
  };
  w.member = state;
  const players = new Map<MediaStreamTrack, HTMLVideoElement>();
  const joinedAt = performance.now();
  // The grant names its tenant and Worker: as in the example, the page passes neither.
  const room = await w.realtimeClient.joinRoom(grant, {
    audio: true,
    video: { width: 320, height: 240, frameRate: 15 },
    iceTransportPolicy: "relay",
    renew: () => w.renewGrant(),
  });
  state.room = room;
  room.on("trackAdded", ({ user_id, track }) => {
    if (track.kind === "audio") {
      const audio = document.createElement("audio");
      audio.srcObject = new MediaStream([track]);
      document.body.append(audio);
      state.voices.set(track, user_id);
      void audio.play();
      return;
    }
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    document.body.append(video);
    players.set(track, video);
    state.players.set(track, user_id);
    const count = () => {
      if (!players.has(track)) return;
      state.frames[user_id] = (state.frames[user_id] ?? 0) + 1;
      state.firstFrameMs[user_id] ??= performance.now() - joinedAt;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
    void video.play();
  });
  room.on("trackRemoved", ({ track }) => {
    players.get(track)?.remove();
    players.delete(track);
    state.players.delete(track);
  });
  room.on("message", ({ from, via, data }) => state.messages.push(`${from}:${via}:${String(data)}`));
  state.states.push(room.state);
  room.on("connectionState", ({ state: now }) => state.states.push(now));
  room.on("participantLeft", ({ user_id, reason }) => state.left.push(`${user_id}:${reason}`));
  room.on("warning", ({ error }) => state.warnings.push(error.message));
}

async function read(): Promise<MemberView> {
  const { member } = window as unknown as MemberWindow;
  const room = member.room!;
  const stats: Record<string, unknown>[] = [];
  (await room.peerConnection?.getStats())?.forEach((report: Record<string, unknown>) => {
    stats.push(report);
  });
  for (const receiver of room.peerConnection?.getReceivers() ?? []) {
    if (!member.voices.has(receiver.track)) continue;
    (await receiver.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === "inbound-rtp")
        member.heard.set(receiver.track, {
          samples: Number(s.totalSamplesReceived ?? 0),
          energy: Number(s.totalAudioEnergy ?? 0),
        });
    });
  }
  // Summed by participant over their tracks (inside this function, since the page runs its source alone).
  const audio: Record<string, { samples: number; energy: number }> = {};
  for (const [track, heard] of member.heard) {
    const user = member.voices.get(track);
    if (!user) continue;
    const sum = audio[user] ?? { samples: 0, energy: 0 };
    audio[user] = { samples: sum.samples + heard.samples, energy: sum.energy + heard.energy };
  }
  const pair = stats.find((s) => s.type === "candidate-pair" && s.state === "succeeded" && s.nominated);
  const local = stats.find((s) => s.id === pair?.localCandidateId);
  const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
  return {
    topology: room.topology,
    state: room.state,
    media: room.peerConnection?.connectionState ?? null,
    participants: [...room.participants.keys()].sort(),
    frames: { ...member.frames },
    audio,
    firstFrameMs: { ...member.firstFrameMs },
    playing: [...new Set(member.players.values())].sort(),
    messages: [...member.messages],
    left: [...member.left],
    states: [...member.states],
    // Both sides gather relay candidates only, so the remote end is a relay too; when its check
    // arrives before its signalled candidate, the browser calls it peer-reflexive.
    relayed:
      local?.candidateType === "relay" &&
      (remote?.candidateType === "relay" || remote?.candidateType === "prflx"),
    iceUfrag: /a=ice-ufrag:(\S+)/.exec(room.peerConnection?.localDescription?.sdp ?? "")?.[1] ?? null,
    warnings: [...member.warnings],
  };
}

export interface RoomMember {
  page: Page;
  context: BrowserContext;
  read(): Promise<MemberView>;
  send(data: string): Promise<void>;
  leave(): Promise<void>;
}

/** A page of its own browser context, on `origin`, in the room through the client, renewing with `renew`. */
export async function joinWithClient(
  context: BrowserContext,
  origin: string,
  grant: JoinGrant,
  renew: () => Promise<JoinGrant>,
): Promise<RoomMember> {
  const page = await context.newPage();
  await page.exposeFunction("renewGrant", renew);
  // Run by tsx (the benches), the page functions call the `__name` helper that keeps their names.
  await page.addInitScript("globalThis.__name = (f) => f");
  await page.goto(`${origin}/healthz`);
  await page.addScriptTag({ content: await browserClientScript() });
  await page.evaluate(enter, { grant });
  return {
    page,
    context,
    read: () => page.evaluate(read),
    send: (data) => page.evaluate((d) => (window as unknown as MemberWindow).member.room!.send(d), data),
    leave: () => page.evaluate(() => (window as unknown as MemberWindow).member.room!.leave()),
  };
}
