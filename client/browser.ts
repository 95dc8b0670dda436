/**
 * The browser entry: the browser client, `joinRoom` and `watchChannels`, for a page that has only
 * what its backend handed over (./browser-client.ts).
 */
import { type BrowserClientOptions, createBrowserClient, type JoinGrant } from "./browser-client.ts";
import { type JoinRoomOptions, openRoom, type Room } from "./room/join-room.ts";

export {
  type BrowserClient,
  type BrowserClientOptions,
  createBrowserClient,
  type GrantClient,
  type JoinGrant,
  refuseTenantKey,
} from "./browser-client.ts";
export type { JoinRoomOptions, Room } from "./room/join-room.ts";
export type { RoomConnectionState, RoomEvents } from "./room/room-events.ts";
export * from "./shared-exports.ts";

/**
 * Joins a room in ten lines: `grant` is what the app's backend got from `POST /api/realtime/join`,
 * `renew` asks that backend for a new one (docs/app-developers.md, "A room in ten lines"). The grant
 * names its tenant and, in its room socket's URL, the Worker, so neither needs saying again.
 */
export function joinRoom(
  grant: JoinGrant,
  options: JoinRoomOptions & Partial<BrowserClientOptions>,
): Promise<Room> {
  const client = createBrowserClient({
    ...options,
    tenant: options.tenant ?? grant.tenant,
    baseUrl: options.baseUrl ?? workerOrigin(grant.ws_url),
  });
  return openRoom(client, grant, options);
}

/** The Worker's origin, from its room socket's URL (`wss://host/…` → `https://host`). */
const workerOrigin = (wsUrl: string) => {
  const url = new URL(wsUrl);
  return `${url.protocol === "wss:" ? "https:" : "http:"}//${url.host}`;
};
