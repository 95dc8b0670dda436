import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { CfErrorItem } from "./errors.ts";

export function cfOk(c: Context, result: unknown, status: ContentfulStatusCode = 200, resultInfo?: unknown) {
  return c.json(
    { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) },
    status,
  );
}

export function cfFail(c: Context, status: ContentfulStatusCode, errors: CfErrorItem[]) {
  return c.json({ success: false, errors, messages: [], result: null }, status);
}
