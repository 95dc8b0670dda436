import type { Page } from "playwright-core";
import type { JoinData } from "../../../contracts/api/rooms.ts";

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
}

/** What `enterRoom` keeps on `window.room` (types only: the functions below run in the page, alone). */
interface RoomState {
  presence: Set<string>;
  topology: string | null;
  moves: string[];
  pc: RTCPeerConnection | null;
  received: string[];
}

/**
 * Runs in the page: the room socket with the token the app's backend got from join, and with
 * `p2p`, a peer connection to the other participant through TURN only (`relay`), signalled over
 * the room socket. The second peer calls the first.
 */
function enterRoom(joined: JoinData): void {
  type Message = { type: string; [key: string]: unknown };
  const view: RoomState = { presence: new Set(), topology: null, moves: [], pc: null, received: [] };
  (window as unknown as { room: RoomState }).room = view;
  const ws = new WebSocket(`${joined.ws_url}?token=${encodeURIComponent(joined.token)}`);
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

  ws.addEventListener("message", async (event) => {
    if (event.data === "pong") return;
    const message = JSON.parse(String(event.data)) as Message;
    if (message.type === "welcome") {
      view.topology = String(message.topology);
      view.presence.add((message.self as { user_id: string }).user_id);
      const others = (message.participants as { user_id: string }[]).map((p) => p.user_id);
      for (const other of others) view.presence.add(other);
      if (joined.topology === "p2p" && others.length === 1) await call(others[0]!);
    } else if (message.type === "join")
      view.presence.add((message.participant as { user_id: string }).user_id);
    else if (message.type === "leave") view.presence.delete(String(message.user_id));
    else if (message.type === "topology") view.moves.push(String(message.topology));
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
}

/** Reads the page's room view, with the peer connection's selected candidate pair. */
function readRoom(): Promise<PeerView> {
  const view = (window as unknown as { room: RoomState }).room;
  const relayed = async () => {
    if (!view.pc) return false;
    const stats: Record<string, unknown>[] = [];
    (await view.pc.getStats()).forEach((report: Record<string, unknown>) => {
      stats.push(report);
    });
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
  return relayed().then((isRelayed) => ({
    presence: [...view.presence].sort(),
    topology: view.topology,
    moves: view.moves,
    connection: view.pc?.connectionState ?? null,
    relayed: isRelayed,
    received: view.received,
  }));
}

/** A browser page in the room as the participant `joined` describes. */
export async function enterRoomIn(page: Page, joined: JoinData): Promise<() => Promise<PeerView>> {
  await page.evaluate(enterRoom, joined);
  return () => page.evaluate(readRoom);
}
