import { randomBytes, randomUUID } from "node:crypto";

/** 32 lowercase hex characters, like Cloudflare's resource tags. */
export const newTag = () => randomBytes(16).toString("hex");
/** 64 hex characters, like SFU app secrets and TURN key secrets. */
export const newHexSecret = () => randomBytes(32).toString("hex");
/** 40 URL-safe characters, like API token values. */
export const newTokenValue = () => randomBytes(30).toString("base64url");
export const newUuid = () => randomUUID();
export const now = () => new Date().toISOString();
