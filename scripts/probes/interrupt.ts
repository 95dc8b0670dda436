import { Interrupted } from "./probe.ts";

/**
 * SIGINT and SIGTERM abort the returned signal instead of killing the process, so that a probe
 * interrupted halfway still stops its ffmpeg, closes its sessions and deletes its recordings before
 * the script exits. Once only: a second Ctrl-C kills at once, as a person pressing it twice means.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = (["SIGINT", "SIGTERM"] as const).map((name) => {
    const handler = () => controller.abort(new Interrupted(`interrupted by ${name}`));
    process.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
