import { messageOf } from "./api.ts";
import { h } from "./dom.ts";

/**
 * A connectivity check the operator runs on demand: a button, and an output that says what is
 * happening, then pass or fail with the reason.
 */
export function checkPanel(name: string, description: string, run: () => Promise<string>): HTMLElement {
  const id = `check-${name.toLowerCase().replace(/\W+/g, "-")}`;
  const output = h("output", {
    class: "result",
    id: `${id}-result`,
    "data-result": "idle",
    "aria-live": "polite",
  });
  const button = h("button", { type: "button", id, "aria-describedby": `${id}-description` }, name);
  button.addEventListener("click", async () => {
    button.disabled = true;
    output.dataset.result = "running";
    output.textContent = "Running…";
    try {
      const summary = await run();
      output.dataset.result = "pass";
      output.textContent = `Pass: ${summary}`;
    } catch (error) {
      output.dataset.result = "fail";
      output.textContent = `Fail: ${messageOf(error)}`;
    } finally {
      button.disabled = false;
    }
  });
  return h(
    "div",
    { class: "check" },
    button,
    h("p", { id: `${id}-description`, class: "hint" }, description),
    output,
  );
}
