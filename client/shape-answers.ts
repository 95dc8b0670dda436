import { ROOM_SERVER_MESSAGE_TYPES } from "#contracts/api/room-protocol.ts";
import type { AnswerCheck } from "./answer-check.ts";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

const ROOM_TYPES: readonly unknown[] = ROOM_SERVER_MESSAGE_TYPES;

/**
 * The browser entry's check: the envelope, that `data` is a JSON object, and a room message's type.
 * The fields themselves are the Worker's contract, which the server entry and the contract tests
 * check against the schemas; a page does not pay for every route's schema in its bundle.
 */
export const shapeAnswers: AnswerCheck = {
  failure(json) {
    if (!isObject(json) || json.success !== false || !isObject(json.error)) return undefined;
    const { code, message, details } = json.error;
    if (typeof code !== "string" || typeof message !== "string") return undefined;
    return { code, message, ...(details === undefined ? {} : { details }) };
  },
  data(name, data) {
    if (!isObject(data)) return { ok: false, issue: "not a JSON object" };
    if (name === "roomSocket" && !ROOM_TYPES.includes(data.type)) {
      return { ok: false, issue: `type: not a room message (${String(data.type)})` };
    }
    return { ok: true, value: data };
  },
};
