import { announce, h } from "./dom.ts";

const MASK = "••••••••••••";

/** Copies a value, saying so on the button and to screen readers. */
function copyButton(label: string, value: () => string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "copy", "aria-label": `Copy ${label}` }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value());
      button.textContent = "Copied";
      announce(`${label} copied`);
    } catch {
      button.textContent = "Copy failed";
      announce(`Could not copy ${label}: the browser refused the clipboard`);
    }
    setTimeout(() => {
      button.textContent = "Copy";
    }, 2_000);
  });
  return button;
}

/**
 * A labelled value with a copy button. A secret shows as a mask until the operator asks, and
 * copies without being shown.
 */
export function field(label: string, value: string, options: { secret?: boolean } = {}): HTMLDivElement {
  const shown = h(
    "code",
    { class: "value", title: options.secret ? undefined : value },
    options.secret ? MASK : value,
  );
  const controls: HTMLElement[] = [];
  if (options.secret) {
    const toggle = h(
      "button",
      { type: "button", "aria-pressed": "false", "aria-label": `Show ${label}` },
      "Show",
    );
    toggle.addEventListener("click", () => {
      const showing = toggle.getAttribute("aria-pressed") === "true";
      shown.textContent = showing ? MASK : value;
      shown.title = showing ? "" : value;
      toggle.textContent = showing ? "Show" : "Hide";
      toggle.setAttribute("aria-pressed", String(!showing));
      toggle.setAttribute("aria-label", `${showing ? "Show" : "Hide"} ${label}`);
    });
    controls.push(toggle);
  }
  controls.push(copyButton(label, () => value));
  return h(
    "div",
    { class: "field", "data-field": label },
    h("dt", {}, label),
    h("dd", {}, shown, h("span", { class: "controls" }, ...controls)),
  );
}
