/** A tiny element builder: text goes in as text nodes, never as HTML. */

type Attributes = Record<string, string | boolean | undefined> & {
  on?: Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
};
type Child = Node | string | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  const { on, ...rest } = attributes;
  for (const [name, value] of Object.entries(rest)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const [event, handler] of Object.entries(on ?? {})) element.addEventListener(event, handler);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** The element with this id, which the page is known to have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Says something to screen readers without moving focus. */
export function announce(message: string): void {
  const region = byId("announcer");
  region.textContent = "";
  // A fresh text node after clearing, so that repeating the same message is announced again.
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

export const timeOf = (iso: string) => new Date(iso).toLocaleTimeString();
