import { newTag } from "./ids.ts";
import type { StateFile } from "./state-file.ts";

/**
 * The emulated account's id, in its own section of the state: from the state file, else the
 * seed, else a new one. It never changes, not even on reset.
 */
export function loadAccountId(state: StateFile, seed: string | undefined): string {
  let id = "";
  const { loaded } = state.section<{ accountId: string }>(["accountId"], () => ({ accountId: id }));
  id = loaded?.accountId ?? seed ?? newTag();
  return id;
}
