import * as z from "zod/mini";

/** Body of create and update for both SFU apps and TURN keys. */
export const callsNameWrite = z.object({ name: z.exactOptional(z.string().check(z.maxLength(256))) });

const callsBase = z.object({
  uid: z.string(),
  name: z.string(),
  created: z.string(),
  modified: z.string(),
});

export const sfuApp = callsBase;
/** Only create returns the secret (docs/reference/cloudflare-api.md §3). */
export const sfuAppWithSecret = z.extend(callsBase, { secret: z.string() });
export type SfuAppWithSecret = z.infer<typeof sfuAppWithSecret>;

export const turnKey = callsBase;
/** Only create returns the key (docs/reference/cloudflare-api.md §4). */
export const turnKeyWithKey = z.extend(callsBase, { key: z.string() });
export type TurnKeyWithKey = z.infer<typeof turnKeyWithKey>;
