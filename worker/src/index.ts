import { createApp } from "./app.ts";

export { ChannelStatus } from "./durable/channel-status.ts";
export { RateLimiter } from "./durable/rate-limiter.ts";

export default createApp();
