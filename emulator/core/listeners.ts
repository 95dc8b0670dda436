/**
 * Adds `listener` to `listeners` and returns its unsubscribe, which removes that one registration
 * and nothing else: called again (or after the list was emptied) it does nothing, where a bare
 * `splice(indexOf(listener), 1)` would find -1 and drop the last listener of someone else.
 */
export function subscribe<L>(listeners: L[], listener: L): () => void {
  listeners.push(listener);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    const at = listeners.indexOf(listener);
    if (at >= 0) listeners.splice(at, 1);
  };
}
