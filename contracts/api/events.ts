import * as z from "zod/mini";
import { channelName, channelStatus } from "./stream.ts";

/** `GET /api/stream/events?channel=` */
export const streamEventsQuery = z.object({ channel: channelName });

/** Each status event's data (wire details in ./event-stream.ts). */
export const statusEventData = channelStatus;
