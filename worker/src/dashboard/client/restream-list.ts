import type { ChannelOutputView } from "#contracts/api/stream.ts";
import { h } from "./dom.ts";

/**
 * A channel's restream outputs as the stack declares them: where each goes, whether it is enabled,
 * and its stream key masked (the Worker never has the key). Cloudflare reports no more about an
 * output than `enabled` (docs/reference/cloudflare-api.md §1.8), so neither does this.
 */
export class RestreamList {
  readonly element = h("div", { class: "restream" });
  private shown = "";

  update(outputs: ChannelOutputView[]): void {
    const next = JSON.stringify(outputs);
    if (next === this.shown) return;
    this.shown = next;
    if (outputs.length === 0) {
      this.element.replaceChildren(h("p", { class: "hint" }, "No restream outputs declared."));
      return;
    }
    this.element.replaceChildren(
      h(
        "ul",
        { class: "outputs" },
        ...outputs.map((o) =>
          h(
            "li",
            { "data-output": o.name, "data-enabled": String(o.enabled) },
            h("strong", {}, o.name),
            ` → ${o.url} · key ${o.stream_key} · ${o.enabled ? "enabled" : "disabled"}`,
          ),
        ),
      ),
    );
  }
}
