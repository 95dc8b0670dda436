import { Collection } from "../../core/collection.ts";
import { newHexSecret, newTag, now } from "../../core/ids.ts";
import type { Section, StateFile } from "../../core/state-file.ts";

/** An SFU app or a TURN key: both are a name and a secret. */
export interface StoredCallsApp {
  uid: string;
  name: string;
  created: string;
  modified: string;
  secret: string;
}

export type CallsKind = "sfuApps" | "turnKeys";

/** What the Realtime API asks of Calls: whether an SFU app or a TURN key exists, and its secret. */
export interface CallsSecrets {
  sfuAppSecret(appId: string): string | undefined;
  turnKeySecret(keyId: string): string | undefined;
}

type CallsSection = Record<CallsKind, Record<string, StoredCallsApp>>;

/** Each kind, named as Cloudflare's 404 names it. */
const collections = (loaded: Partial<CallsSection> | undefined) => ({
  sfuApps: new Collection("App", loaded?.sfuApps),
  turnKeys: new Collection("TURN key", loaded?.turnKeys),
});

/** Realtime SFU apps and TURN keys, as the Calls REST API manages them. */
export class CallsStore implements CallsSecrets {
  private items: Record<CallsKind, Collection<StoredCallsApp>>;
  private readonly section: Section<CallsSection>;

  constructor(state: StateFile) {
    this.section = state.section<CallsSection>(["sfuApps", "turnKeys"], () => ({
      sfuApps: this.items.sfuApps.toJSON(),
      turnKeys: this.items.turnKeys.toJSON(),
    }));
    const loaded = this.section.loaded;
    this.items = collections(loaded);
  }

  list(kind: CallsKind): Readonly<StoredCallsApp>[] {
    return this.items[kind].values();
  }

  get(kind: CallsKind, id: string): Readonly<StoredCallsApp> | undefined {
    return this.items[kind].get(id);
  }

  /** The app or key, or Cloudflare's 404. */
  find(kind: CallsKind, id: string): Readonly<StoredCallsApp> {
    return this.items[kind].find(id);
  }

  /** A new app or key with a fresh secret. */
  create(kind: CallsKind, name: string): Readonly<StoredCallsApp> {
    const at = now();
    const item: StoredCallsApp = { uid: newTag(), name, created: at, modified: at, secret: newHexSecret() };
    this.items[kind].set(item.uid, item);
    this.section.changed();
    return item;
  }

  /** Renames when `name` is given; touches `modified` either way. */
  update(kind: CallsKind, id: string, name: string | undefined): Readonly<StoredCallsApp> {
    const item = this.items[kind].find(id);
    if (name !== undefined) item.name = name;
    item.modified = now();
    this.section.changed();
    return item;
  }

  /** Deletes and returns the deleted item. */
  delete(kind: CallsKind, id: string): Readonly<StoredCallsApp> {
    const item = this.items[kind].remove(id);
    this.section.changed();
    return item;
  }

  sfuAppSecret(appId: string): string | undefined {
    return this.items.sfuApps.get(appId)?.secret;
  }

  turnKeySecret(keyId: string): string | undefined {
    return this.items.turnKeys.get(keyId)?.secret;
  }

  reset(): void {
    this.items = collections(undefined);
    this.section.changed();
  }
}
