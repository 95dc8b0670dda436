import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { createBrowserClient, joinRoom, watchChannels } from "#client/browser.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** What the bundled browser entry puts on `window.realtimeClient` in a test page. */
export interface ClientGlobal {
  realtimeClient: {
    joinRoom: typeof joinRoom;
    createBrowserClient: typeof createBrowserClient;
    watchChannels: typeof watchChannels;
  };
}

let built: Promise<string> | undefined;

/**
 * The browser entry as an app bundles it (esbuild, for the browser), as one script that a test
 * page adds with `page.addScriptTag({ content })`. Built once per run.
 */
export function browserClientScript(): Promise<string> {
  built ??= esbuild
    .build({
      stdin: {
        contents: `export { createBrowserClient, joinRoom, watchChannels } from "#client/browser.ts";`,
        resolveDir: ROOT,
        loader: "ts",
      },
      bundle: true,
      write: false,
      format: "iife",
      globalName: "realtimeClient",
      platform: "browser",
      target: "es2022",
      logLevel: "silent",
    })
    .then((result) => result.outputFiles[0]!.text);
  return built;
}
