import type { RTCDataChannel } from "werift";

/**
 * A DataChannel a session publishes: every message it sends is relayed to each session that
 * pulled the channel. Relaying is one way, as on Cloudflare: what a subscriber sends on its copy
 * is not forwarded (docs/reference/cloudflare-api.md §5.2; `canReply` is not emulated).
 */
export class PublishedChannel {
  private readonly subscribers = new Set<RTCDataChannel>();
  private readonly unsubscribe: () => void;

  constructor(readonly channel: RTCDataChannel) {
    this.unsubscribe = channel.onMessage.subscribe((data) => {
      for (const subscriber of this.subscribers) {
        if (subscriber.readyState === "open") subscriber.send(data);
      }
    }).unSubscribe;
  }

  subscribe(subscriber: RTCDataChannel): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  stop(): void {
    this.unsubscribe();
    this.subscribers.clear();
  }
}
