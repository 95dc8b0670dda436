// The page: joins the room named in its URL with the grant its backend mints, and shows everyone.
import { joinRoom } from "realtime-stack/client/browser";

const { room: roomId, user } = Object.fromEntries(new URLSearchParams(location.search));
const ask = () =>
  fetch("/grant", { method: "POST", body: JSON.stringify({ room: roomId, user }) }).then((r) => r.json());
const { grant } = await ask();
const room = await joinRoom(grant, {
  audio: true,
  video: true,
  renew: async () => (await ask()).grant,
});
// By track, not track.id, which need not be unique: from the local SFU, every camera is video-1.
const elements = new Map<MediaStreamTrack, HTMLMediaElement>();
room.on("trackAdded", ({ user_id, track }) => show(user_id, track));
room.on("trackRemoved", ({ track }) => {
  elements.get(track)?.remove();
  elements.delete(track);
});
room.on("connectionState", ({ state }) => (document.getElementById("state")!.textContent = state));

/** One element per remote track: `<video>` for cameras, `<audio>` for microphones. */
function show(userId: string, track: MediaStreamTrack): void {
  const element = document.createElement(track.kind === "video" ? "video" : "audio");
  elements.set(track, element);
  element.dataset.user = userId;
  element.autoplay = true;
  element.srcObject = new MediaStream([track]);
  if (track.kind === "video") (element as HTMLVideoElement).playsInline = true;
  document.getElementById("people")!.append(element);
}
