import type { Page } from "playwright-core";
import type { JoinData } from "#contracts/api/rooms.ts";

/** What a page in a room knows, as the test reads it back. */
export interface PeerView {
  presence: string[];
  topology: string | null;
  /** Topology changes announced on the socket after the welcome. */
  moves: string[];
  /** The peer-to-peer connection's state, when the page has one. */
  connection: string | null;
  /** Whether the connected pair goes through TURN relays. */
  relayed: boolean;
  /** Data channel messages received from the other peer. */
  received: string[];
  /** With the SFU: the Realtime session this page publishes on and pulls with. */
  session: string | null;
  /** With the SFU: video frames decoded so far from each other participant (inbound-rtp `framesDecoded`). */
  decoded: Record<string, number>;
  /** With the SFU: what went wrong, if anything did. */
  errors: string[];
}

/** What `enterRoom` keeps on `window.room` (types only: the functions below run in the page, alone). */
interface RoomState {
  presence: Set<string>;
  topology: string | null;
  moves: string[];
  pc: RTCPeerConnection | null;
  received: string[];
  sfu: RTCPeerConnection | null;
  session: string | null;
  /** Which participant each pulled mid carries. */
  pulledFrom: Record<string, string>;
  errors: string[];
  /** Joins again with what the app's backend got from a new join: the room moved to the SFU. */
  rejoin: (joined: JoinData) => Promise<void>;
}

/**
 * Runs in the page, as an app would: the room socket with the token the app's backend got from
 * join, and then
 * - with `p2p`, a peer connection to the other participant through TURN only (`relay`),
 *   signalled over the room socket; the second peer calls the first;
 * - with `sfu`, the camera published on the participant's Realtime session and every other
 *   participant's published tracks pulled, all through the Worker's session proxy, the tracks
 *   announced and discovered on the room socket. SFU operations on the session run one at a time.
 * When the room moves to the SFU, the app joins again and calls `rejoin` with the answer.
 */
function enterRoom({ joined: first, tenant }: { joined: JoinData; tenant: string }): void {
  type Message = { type: string; [key: string]: unknown };
  type Published = { track_name: string; kind: string; session_id?: string };
  const view: RoomState = {
    presence: new Set(),
    topology: null,
    moves: [],
    pc: null,
    received: [],
    sfu: null,
    session: null,
    pulledFrom: {},
    errors: [],
    rejoin: async () => {},
  };
  (window as unknown as { room: RoomState }).room = view;
  let joined = first;
  let ws: WebSocket;
  const signal = (to: string, data: unknown) => ws.send(JSON.stringify({ type: "signal", to, data }));
  setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), 10_000);

  const connection = (peer: string) => {
    if (view.pc) return view.pc;
    const pc = new RTCPeerConnection({ iceServers: joined.ice_servers, iceTransportPolicy: "relay" });
    pc.addEventListener(
      "icecandidate",
      (e) => e.candidate && signal(peer, { candidate: e.candidate.toJSON() }),
    );
    pc.addEventListener("datachannel", (e) => {
      e.channel.addEventListener("message", (m) => view.received.push(String(m.data)));
      e.channel.addEventListener("open", () => e.channel.send(`hello from ${joined.user_id}`));
    });
    view.pc = pc;
    return pc;
  };

  const call = async (peer: string) => {
    const pc = connection(peer);
    const channel = pc.createDataChannel("chat");
    channel.addEventListener("message", (m) => view.received.push(String(m.data)));
    channel.addEventListener("open", () => channel.send(`hello from ${joined.user_id}`));
    await pc.setLocalDescription(await pc.createOffer());
    signal(peer, { description: pc.localDescription!.toJSON() });
  };

  // The SFU: one connection per participant, publishing the camera and pulling the others'.
  let operations: Promise<unknown> = Promise.resolve();
  const serially = (operation: () => Promise<void>) => {
    operations = operations.then(operation).catch((e: Error) => view.errors.push(e.message));
    return operations;
  };
  const sfuCall = async <T>(method: string, suffix: string, body?: unknown): Promise<T> => {
    const res = await fetch(`/api/realtime/sfu/sessions/${joined.sfu!.session_id}${suffix}`, {
      method,
      headers: {
        "x-tenant-id": tenant,
        authorization: `Bearer ${joined.token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const envelope = (await res.json()) as { success: boolean; data: T; error?: { message: string } };
    if (!envelope.success) throw new Error(`${method} ${suffix}: ${res.status} ${envelope.error?.message}`);
    return envelope.data;
  };
  type TracksNew = {
    requiresImmediateRenegotiation: boolean;
    sessionDescription?: RTCSessionDescriptionInit;
    tracks: { mid?: string; trackName?: string; errorCode?: string; errorDescription?: string }[];
  };
  const pulled = new Set<string>();
  const pull = (user: string, tracks: Published[]) =>
    serially(async () => {
      const wanted = tracks.filter(
        (t) =>
          t.session_id && t.session_id !== view.session && !pulled.has(`${t.session_id}/${t.track_name}`),
      );
      if (wanted.length === 0) return;
      for (const t of wanted) pulled.add(`${t.session_id}/${t.track_name}`);
      const res = await sfuCall<TracksNew>("POST", "/tracks/new", {
        tracks: wanted.map((t) => ({ location: "remote", sessionId: t.session_id, trackName: t.track_name })),
      });
      for (const t of res.tracks) {
        if (t.errorCode)
          throw new Error(`pulling ${t.trackName} of ${user}: ${t.errorCode} ${t.errorDescription}`);
        view.pulledFrom[t.mid!] = user;
      }
      if (!res.requiresImmediateRenegotiation) return;
      await view.sfu!.setRemoteDescription(res.sessionDescription!);
      await view.sfu!.setLocalDescription(await view.sfu!.createAnswer());
      await sfuCall("PUT", "/renegotiate", {
        sessionDescription: { type: "answer", sdp: view.sfu!.localDescription!.sdp },
      });
    });
  const publish = () =>
    serially(async () => {
      const pc = new RTCPeerConnection({ iceServers: joined.ice_servers, bundlePolicy: "max-bundle" });
      view.sfu = pc;
      view.session = joined.sfu!.session_id;
      const camera = await navigator.mediaDevices.getUserMedia({
        video: { width: 320, height: 240, frameRate: 15 },
      });
      const transceiver = pc.addTransceiver(camera.getVideoTracks()[0]!, { direction: "sendonly" });
      await pc.setLocalDescription(await pc.createOffer());
      const res = await sfuCall<TracksNew>("POST", "/tracks/new", {
        sessionDescription: { type: "offer", sdp: pc.localDescription!.sdp },
        tracks: [{ location: "local", mid: transceiver.mid, trackName: "cam" }],
      });
      const failed = res.tracks.find((t) => t.errorCode);
      if (failed) throw new Error(`publishing: ${failed.errorCode} ${failed.errorDescription}`);
      await pc.setRemoteDescription(res.sessionDescription!);
      const tracks: Published[] = [{ track_name: "cam", kind: "video", session_id: view.session }];
      ws.send(JSON.stringify({ type: "tracks", tracks }));
    });

  const connect = () => {
    const socket = new WebSocket(`${joined.ws_url}?token=${encodeURIComponent(joined.token)}`);
    ws = socket;
    socket.addEventListener("message", async (event) => {
      // A socket replaced by a rejoin may still deliver what was on its way: its room view is gone.
      if (socket !== ws || event.data === "pong") return;
      const message = JSON.parse(String(event.data)) as Message;
      if (message.type === "welcome") {
        view.topology = String(message.topology);
        view.presence.add((message.self as { user_id: string }).user_id);
        const others = message.participants as { user_id: string; tracks: Published[] }[];
        for (const other of others) view.presence.add(other.user_id);
        if (joined.topology === "p2p" && others.length === 1) await call(others[0]!.user_id);
        if (joined.topology === "sfu") {
          await publish();
          for (const other of others) void pull(other.user_id, other.tracks);
        }
      } else if (message.type === "join")
        view.presence.add((message.participant as { user_id: string }).user_id);
      else if (message.type === "leave") view.presence.delete(String(message.user_id));
      else if (message.type === "topology") view.moves.push(String(message.topology));
      else if (message.type === "tracks" && joined.topology === "sfu")
        void pull(String(message.user_id), message.tracks as Published[]);
      else if (message.type === "signal") {
        const from = String(message.from);
        const data = message.data as {
          description?: RTCSessionDescriptionInit;
          candidate?: RTCIceCandidateInit;
        };
        const pc = connection(from);
        if (data.description) {
          await pc.setRemoteDescription(data.description);
          if (data.description.type === "offer") {
            await pc.setLocalDescription(await pc.createAnswer());
            signal(from, { description: pc.localDescription!.toJSON() });
          }
        } else if (data.candidate) await pc.addIceCandidate(data.candidate);
      }
    });
  };
  view.rejoin = async (again) => {
    joined = again;
    view.pc?.close();
    view.pc = null;
    // The new token carries the session; the room replaces the old socket with the new one.
    ws.close();
    connect();
  };
  connect();
}

/** Reads the page's room view, with the peer connection's selected candidate pair and the SFU's decoded frames. */
function readRoom(): Promise<PeerView> {
  const view = (window as unknown as { room: RoomState }).room;
  const reports = async (pc: RTCPeerConnection | null) => {
    const stats: Record<string, unknown>[] = [];
    (await pc?.getStats())?.forEach((report: Record<string, unknown>) => {
      stats.push(report);
    });
    return stats;
  };
  const relayed = async () => {
    const stats = await reports(view.pc);
    const pair = stats.find((s) => s.type === "candidate-pair" && s.state === "succeeded" && s.nominated);
    const local = stats.find((s) => s.id === pair?.localCandidateId);
    const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
    // Both sides gather relay candidates only, so the remote address is a TURN relay too; when its
    // connectivity check arrives before its signalled candidate, the browser calls it peer-reflexive.
    return (
      local?.candidateType === "relay" &&
      (remote?.candidateType === "relay" || remote?.candidateType === "prflx")
    );
  };
  const decoded = async () => {
    const frames: Record<string, number> = {};
    for (const report of await reports(view.sfu)) {
      if (report.type !== "inbound-rtp" || report.kind !== "video") continue;
      const user = view.pulledFrom[String(report.mid)];
      if (user) frames[user] = (frames[user] ?? 0) + Number(report.framesDecoded ?? 0);
    }
    return frames;
  };
  return Promise.all([relayed(), decoded()]).then(([isRelayed, frames]) => ({
    presence: [...view.presence].sort(),
    topology: view.topology,
    moves: view.moves,
    connection: view.pc?.connectionState ?? null,
    relayed: isRelayed,
    received: view.received,
    session: view.session,
    decoded: frames,
    errors: view.errors,
  }));
}

/** A browser page in the room as the participant `joined` describes, calling the Worker as `tenant`. */
export async function enterRoomIn(
  page: Page,
  joined: JoinData,
  tenant: string,
): Promise<{ read: () => Promise<PeerView>; rejoin: (again: JoinData) => Promise<void> }> {
  await page.evaluate(enterRoom, { joined, tenant });
  return {
    read: () => page.evaluate(readRoom),
    rejoin: (again) => page.evaluate((j) => (window as unknown as { room: RoomState }).room.rejoin(j), again),
  };
}
