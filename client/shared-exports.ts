/** What both entry points export: errors, the stream and watch types, and watchChannels. */
export { ApiError, type ClientErrorCode } from "./api-error.ts";
export type { RoomMethods, SessionMethods } from "./credentials.ts";
export type { EventStream, StreamEvent } from "./event-stream.ts";
export type { RouteInput, RouteName, RouteResult } from "./methods.ts";
export type { RetryPolicy } from "./retry.ts";
export type { CallOptions } from "./transport.ts";
export {
  type ChannelFeedState,
  type ChannelWatch,
  type WatchListener,
  watchChannels,
} from "./watch-channels.ts";
